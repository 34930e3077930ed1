"""
One definition of a live session, asked in every place: the model, the
services, the rotation (its SQL and its locked path) and the request path.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from tokens import rotation, services
from tokens.app_settings import app_settings
from tokens.exceptions import SessionInvalid
from tokens.models import Liveness, Session, SessionStatus
from tokens.revocation import check
from tokens.tokens import AccessToken, RefreshToken

# Every combination of the four ways a session stops being live.
FLAWS = ("revoked", "expired", "idle", "user_inactive")
GRID = [
    frozenset(flaw for flaw, on in zip(FLAWS, combo, strict=True) if on)
    for combo in itertools.product((False, True), repeat=len(FLAWS))
]


def _grid_id(flaws: frozenset[str]) -> str:
    return "+".join(sorted(flaws)) or "live"


def spoil(pair: services.TokenPair, flaws: frozenset[str]) -> None:
    """Give *pair*'s session the *flaws*, behind every service's back."""
    now = timezone.now()
    idle_timeout = app_settings.SESSION_IDLE_TIMEOUT
    changes = {
        "revoked": {"revoked_at": now},
        "expired": {"expires_at": now - timedelta(seconds=1)},
        "idle": {"last_used_at": now - idle_timeout - timedelta(seconds=1)},
    }
    update = {k: v for flaw in flaws for k, v in changes.get(flaw, {}).items()}
    if update:
        Session.objects.filter(pk=pair.session.pk).update(**update)
    if "user_inactive" in flaws:
        type(pair.session.user).objects.filter(pk=pair.session.user_id).update(
            is_active=False
        )


def verdicts(pair: services.TokenPair, spare: services.TokenPair) -> dict[str, bool]:
    """Ask every place whether the session of *pair* (and *spare*) is live."""
    session = Session.objects.select_related("user").get(pk=pair.session.pk)
    sid, uid = str(session.pk), str(session.user_id)
    found = {
        "Liveness.holds": Liveness.at().holds(session),
        "Session.objects.live": Session.objects.live().filter(pk=sid).exists(),
        "services.token_session_check": _accepted(
            lambda: services.token_session_check(token=AccessToken(pair.access))
        ),
        "state (database)": check._valid_session(sid, uid, None) is not None,
        "check.session_user_get": check.session_user_get(session_id=sid, user_id=uid)
        is not None,
        "rotation (locked)": _accepted(
            lambda: rotation._rotate_locked(RefreshToken(pair.refresh), timezone.now())
        ),
    }
    if connection.vendor == "postgresql":
        rotated = rotation._rotate_uncontended(RefreshToken(spare.refresh))
        found["rotation (SQL)"] = rotated is not None
    return found


def _accepted(ask) -> bool:
    try:
        ask()
    except SessionInvalid:
        return False
    return True


@pytest.fixture(params=[False, True], ids=["no cache", "cache"])
def cache_or_not(request, settings):
    if request.param:
        request.getfixturevalue("revocation_cache")


@pytest.mark.parametrize("flaws", GRID, ids=_grid_id)
def test_every_place_gives_the_same_verdict(make_user, cache_or_not, flaws):
    """
    A session is live exactly when it is unrevoked, before its expiry and its
    idle cutoff, and its user is active; every place that asks agrees.
    """
    user = make_user()
    pair, spare = (services.session_create(user=user) for _ in range(2))
    spoil(pair, flaws)
    spoil(spare, flaws)
    found = verdicts(pair, spare)
    assert found == dict.fromkeys(found, not flaws)
    assert ("rotation (SQL)" in found) == (connection.vendor == "postgresql")


@pytest.mark.parametrize("flaws", GRID, ids=_grid_id)
def test_the_status_is_the_same_definition_without_the_user(make_user, flaws):
    """The admin's status and ``active()`` ignore only the user's state."""
    pair = services.session_create(user=make_user())
    spoil(pair, flaws)
    session = Session.objects.get(pk=pair.session.pk)
    session_flaws = flaws - {"user_inactive"}
    active = Session.objects.active().filter(pk=session.pk).exists()
    expired = Session.objects.expired().filter(pk=session.pk).exists()
    assert active == (session.get_status() == SessionStatus.ACTIVE)
    assert active == (not session_flaws)
    assert expired == bool(session_flaws and "revoked" not in flaws)


@pytest.fixture
def long_access_short_idle(settings):
    """An access token that outlives the idle timeout (SimpleJWT sites do this)."""
    settings.TOKENS = {
        **settings.TOKENS,
        "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=5),
    }


def go_idle(pair: services.TokenPair) -> None:
    idle_since = timezone.now() - timedelta(minutes=6)
    Session.objects.filter(pk=pair.session.pk).update(last_used_at=idle_since)


@pytest.mark.parametrize("cache", [False, True], ids=["no cache", "cold cache"])
def test_an_idle_session_refuses_its_unexpired_access_token(
    request, long_access_short_idle, user, authenticate, cache
):
    """Past its idle cutoff a session is over, its access tokens with it."""
    if cache:
        request.getfixturevalue("revocation_cache")
    pair = services.session_create(user=user)
    go_idle(pair)
    assert Session.objects.get(pk=pair.session.pk).get_status() == "expired"
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


@pytest.mark.parametrize("cache", ["revocation_cache", "tracked_cache"])
def test_a_cached_answer_ends_at_the_idle_cutoff(
    request, long_access_short_idle, user, authenticate, cache
):
    """
    A "valid" answer cached while the session was live does not outlive its
    idle cutoff, whether it is read from the cache or from local memory.
    """
    request.getfixturevalue(cache)
    pair = services.session_create(user=user)
    authenticate(pair.access)  # cached: valid
    sid, uid = str(pair.session.pk), str(user.pk)
    before_cutoff = timezone.now() + timedelta(minutes=4)
    past_cutoff = timezone.now() + timedelta(minutes=5, seconds=1)
    assert check.session_user_get(session_id=sid, user_id=uid, now=before_cutoff)
    assert check.session_user_get(session_id=sid, user_id=uid, now=past_cutoff) is None
