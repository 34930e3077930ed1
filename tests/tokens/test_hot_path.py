"""The revocation check on the request path: its cost and its fail-closed rules."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from tokens import services, state
from tokens.authentication import SessionJWTAuthentication
from tokens.models import RevocationReason


@pytest.fixture
def authenticate():
    """Run the authentication class on a request carrying *access*."""
    factory = APIRequestFactory()

    def run(access: str):
        request = factory.get("/", HTTP_AUTHORIZATION=f"Bearer {access}")
        return SessionJWTAuthentication().authenticate(request)

    return run


@pytest.fixture
def pair(user):
    return services.session_create(user=user)


def revoke(session, django_capture_on_commit_callbacks) -> None:
    # The tombstone is written after the revocation commits.
    with django_capture_on_commit_callbacks(execute=True):
        services.session_revoke(session=session, reason=RevocationReason.LOGOUT)


def test_cold_cache_costs_one_query(
    revocation_cache, pair, authenticate, django_assert_num_queries
):
    """A session the cache does not know is checked with one query."""
    with django_assert_num_queries(1):
        user, _ = authenticate(pair.access)
    assert user.pk == pair.session.user_id


def test_warm_cache_costs_no_query(
    revocation_cache, pair, authenticate, django_assert_num_queries
):
    """Once cached, a valid session is accepted without touching the database."""
    authenticate(pair.access)
    with django_assert_num_queries(0):
        user, token = authenticate(pair.access)
    assert user.pk == pair.session.user_id
    assert user.is_authenticated
    assert token["sid"] == str(pair.session.pk)


def test_revoked_session_refused_from_the_cache(
    revocation_cache,
    pair,
    authenticate,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    """A revocation overwrites the cached answer: refused with no query."""
    authenticate(pair.access)
    revoke(pair.session, django_capture_on_commit_callbacks)
    with django_assert_num_queries(0), pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_flushed_cache_does_not_resurrect_a_revoked_session(
    revocation_cache, pair, authenticate, django_capture_on_commit_callbacks
):
    """After a flush the database answers, and it says revoked."""
    authenticate(pair.access)
    revoke(pair.session, django_capture_on_commit_callbacks)
    revocation_cache.clear()
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            authenticate(pair.access)


def test_entry_from_before_a_flush_is_ignored(
    revocation_cache,
    pair,
    authenticate,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    """
    A "valid" answer read from the database before a flush and written after it
    (a slow reader) carries the old epoch, so it is not trusted.
    """
    authenticate(pair.access)
    old_epoch = state.SessionState(revocation_cache).ensure_epoch()
    revoke(pair.session, django_capture_on_commit_callbacks)
    revocation_cache.clear()
    state.SessionState(revocation_cache).add_valid(
        str(pair.session.pk), pair.session.user_id, old_epoch, 60
    )
    with django_assert_num_queries(1), pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_valid_answer_never_overwrites_a_tombstone(
    revocation_cache, pair, authenticate, django_capture_on_commit_callbacks
):
    """A reader that saw the database before the revocation cannot undo it."""
    revoke(pair.session, django_capture_on_commit_callbacks)
    cache_state = state.SessionState(revocation_cache)
    epoch = cache_state.ensure_epoch()
    cache_state.add_valid(str(pair.session.pk), pair.session.user_id, epoch, 60)
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_unreachable_cache_falls_back_to_the_database(
    settings,
    pair,
    authenticate,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    """Any cache error means the database answers, and a revocation still holds."""
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "down"}
    with django_assert_num_queries(1):
        user, _ = authenticate(pair.access)
    assert user.pk == pair.session.user_id
    revoke(pair.session, django_capture_on_commit_callbacks)
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_user_id_must_match_the_cached_session(
    revocation_cache, pair, make_user, authenticate
):
    """A cached answer is for one user: a token naming another is refused."""
    authenticate(pair.access)
    other = make_user()
    forged = state.session_user_get(
        session_id=str(pair.session.pk), user_id=str(other.pk)
    )
    assert forged is None


def test_a_foreign_value_under_the_key_is_a_miss(
    revocation_cache, pair, authenticate, django_assert_num_queries
):
    """Whatever else sits under a session's key, the database decides."""
    key = state._entry_key(pair.session.pk)
    for foreign in (42, "valid", ("x",), ["epoch", pair.session.user_id]):
        revocation_cache.set(key, foreign)
        with django_assert_num_queries(1):
            user, _ = authenticate(pair.access)
        assert user.pk == pair.session.user_id
