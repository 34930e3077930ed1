"""``manage.py seeddemo``: demo accounts with sessions on several devices."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from tokens.models import Session

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seeddemo", stdout=out, force=True, **options)
    return out.getvalue()


def test_seeddemo_creates_accounts_signed_in_on_several_devices():
    """Every account can sign in (verified, the printed password) and has sessions."""
    output = seed(users=5)
    users = User.objects.filter(email__startswith="demo")
    assert users.count() == 5
    for user in users:
        assert user.email_verified
        assert user.check_password("demo passphrase 2026")
        assert user.email in output
        devices = set(Session.objects.filter(user=user).values_list("user_agent"))
        assert len(devices) >= 3
    assert "'demo passphrase 2026'" in output
    assert Session.objects.filter(revoked_at__isnull=False).exists()


def test_seeddemo_twice_creates_nothing_more():
    seed(users=4)
    counts = User.objects.count(), Session.objects.count()
    output = seed(users=4)
    assert (User.objects.count(), Session.objects.count()) == counts
    assert "0 demo accounts created, 0 sessions started." in output


def test_seeddemo_refuses_without_debug_unless_forced(settings):
    """The accounts share a known password: not on a production database by mistake."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seeddemo", users=1, stdout=StringIO())
    assert not User.objects.exists()
