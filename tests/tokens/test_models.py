"""The status vocabularies: one spelling for get_status(), querysets and filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tokens import services
from tokens.models import (
    RefreshTokenRecord,
    RefreshTokenStatus,
    RevocationReason,
    Session,
    SessionStatus,
)
from tokens.tokens import RefreshToken


@pytest.fixture
def records_in_every_state(user) -> None:
    """Refresh-token records and sessions in each status."""
    services.session_create(user=user)  # active
    used = services.session_create(user=user)
    services.refresh_rotate(token=RefreshToken(used.refresh))  # used + active
    expired = services.session_create(user=user).session
    past = timezone.now() - timedelta(seconds=1)
    RefreshTokenRecord.objects.filter(session=expired).update(expires_at=past)
    Session.objects.filter(pk=expired.pk).update(expires_at=past)
    revoked = services.session_create(user=user).session
    services.session_revoke(session=revoked, reason=RevocationReason.LOGOUT)


@pytest.mark.parametrize("status", RefreshTokenStatus.values)
def test_record_queryset_status_matches_get_status(records_in_every_state, status):
    """with_status(s) selects exactly the records whose get_status() is s."""
    records = RefreshTokenRecord.objects.select_related("session")
    expected = {r.pk for r in records if r.get_status() == status}
    assert expected, f"no record is {status}"
    selected = RefreshTokenRecord.objects.with_status(status)
    assert set(selected.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("status", SessionStatus.values)
def test_session_queryset_status_matches_get_status(records_in_every_state, status):
    expected = {s.pk for s in Session.objects.all() if s.get_status() == status}
    assert expected, f"no session is {status}"
    selected = Session.objects.with_status(status)
    assert set(selected.values_list("pk", flat=True)) == expected


def test_get_status_speaks_the_vocabulary(records_in_every_state):
    statuses = {r.get_status() for r in RefreshTokenRecord.objects.all()}
    assert statuses == set(RefreshTokenStatus)
    assert all(isinstance(s, RefreshTokenStatus) for s in statuses)
