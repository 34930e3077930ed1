"""The revocation check on the request path: its cost and its fail-closed rules."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from tests.redis_server import RedisServer
from tokens import services
from tokens.models import PendingTombstone, RevocationReason, Session
from tokens.revocation import check, keys, redis_backend, registry, tracking


@pytest.fixture
def pair(user):
    return services.session_create(user=user)


@pytest.fixture
def long_lease(settings):
    """A lease that outlives the test, so no answer depends on its timing."""
    settings.TOKENS = {**settings.TOKENS, "CACHE_LEASE": timedelta(hours=1)}


def revoke(session, django_capture_on_commit_callbacks) -> None:
    # The tombstone is written after the revocation commits.
    with django_capture_on_commit_callbacks(execute=True):
        services.session_revoke(session=session, reason=RevocationReason.LOGOUT)


def current_state():
    return registry.get_state()


def test_cold_cache_costs_one_query(
    revocation_cache, pair, authenticate, django_assert_num_queries
):
    """A session the cache does not know is checked with one query."""
    with django_assert_num_queries(1):
        user, _ = authenticate(pair.access)
    assert user.pk == pair.session.user_id


def test_warm_cache_costs_no_query(
    revocation_cache, long_lease, pair, authenticate, django_assert_num_queries
):
    """Once cached, a valid session is accepted without touching the database."""
    authenticate(pair.access)
    with django_assert_num_queries(0):
        user, token = authenticate(pair.access)
    assert user.pk == pair.session.user_id
    assert user.is_authenticated
    assert token.session_id == pair.session.pk


def test_revoked_session_refused_from_the_cache(
    revocation_cache,
    long_lease,
    pair,
    authenticate,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    """A revocation writes a tombstone: refused with no query."""
    authenticate(pair.access)
    revoke(pair.session, django_capture_on_commit_callbacks)
    with django_assert_num_queries(0), pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_a_written_tombstone_leaves_no_pending_row(
    revocation_cache, pair, django_capture_on_commit_callbacks
):
    """The outbox row of a revocation is gone once its tombstone is written."""
    revoke(pair.session, django_capture_on_commit_callbacks)
    assert not PendingTombstone.objects.exists()


def test_valid_answer_never_overrides_a_tombstone(
    revocation_cache, pair, authenticate, django_capture_on_commit_callbacks
):
    """A reader that saw the database before the revocation cannot undo it."""
    sid = str(pair.session.pk)
    seen = current_state().lookup(sid)  # before the revocation
    revoke(pair.session, django_capture_on_commit_callbacks)
    current_state().fill(
        sid, pair.session.user_id, time.time() + 60, seen, outbox_empty=True
    )
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_user_id_must_match_the_cached_session(
    revocation_cache, pair, make_user, authenticate
):
    """A cached answer is for one user: a token naming another is refused."""
    authenticate(pair.access)
    other = make_user()
    forged = check.session_user_get(
        session_id=str(pair.session.pk), user_id=str(other.pk)
    )
    assert forged is None


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
    # The tombstone the cache could not take is kept for the next drain.
    assert PendingTombstone.objects.filter(session_id=pair.session.pk).exists()


# Redis: the tracked connection and local memory (a private redis-server) -----


def test_redis_cache_takes_the_tracked_fast_path(
    tracked_cache, long_lease, pair, authenticate
):
    """
    On a Redis cache the check runs through tokens.state's tracked connection
    and, once warm, from local memory. Fails if the fast path silently falls
    back to something slower.
    """
    fast = current_state()
    assert isinstance(fast, redis_backend.RedisRevocationState)
    authenticate(pair.access)
    authenticate(pair.access)
    assert fast.stats["remote"] >= 1
    assert fast.stats["local"] >= 1


def test_redis_parser_accepts_an_invalidation_handler(tracked_cache, pair):
    """
    Fence around redis-py's private ``Connection._parser``: it must still take
    an invalidation push handler, or local memory would never be invalidated.
    """
    fast = current_state()
    fast.lookup(str(pair.session.pk))
    assert callable(fast.conn._parser.set_invalidation_push_handler)
    assert fast.conn._parser.invalidation_push_handler_func == fast._on_invalidate


def test_warm_answer_needs_no_round_trip(
    tracked_cache,
    long_lease,
    redis_server,
    pair,
    authenticate,
    django_assert_num_queries,
):
    """
    With Redis stopped dead (SIGSTOP), a warm session is still answered at
    once from local memory: no query, no round trip (a round trip would time
    out and fall back to the database).
    """
    authenticate(pair.access)
    redis_server.pause()
    try:
        with django_assert_num_queries(0):
            user, _ = authenticate(pair.access)
    finally:
        redis_server.resume()
    assert user.pk == pair.session.user_id


def test_a_push_from_another_connection_is_applied_before_local_memory(
    tracked_cache,
    long_lease,
    redis_server,
    pair,
    authenticate,
    django_assert_num_queries,
):
    """A tombstone written by anyone reaches local memory before it is trusted."""
    authenticate(pair.access)
    key = tracked_cache.make_key(keys.rev_key(pair.session.pk))
    writer = redis_server.client()
    writer.set(key, keys.REVOKED)
    # Redis writes the push in the same pass as the SET's reply, but possibly
    # just after it; a later command of the writer runs after that pass, as
    # the revoker's CLIENT LIST does (rule 6 in tokens/state.py).
    writer.ping()
    with django_assert_num_queries(0), pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_entry_from_another_server_lifetime_is_not_trusted(
    tracked_cache, long_lease, redis_server, pair, authenticate
):
    """
    A "valid" entry restored from a snapshot belongs to the server's previous
    life: after `shutdown save` and a restart, the database answers again.
    """
    authenticate(pair.access)
    # Revoked in the database only, as if the tombstone had been lost.
    Session.objects.filter(pk=pair.session.pk).update(revoked_at=timezone.now())
    redis_server.shutdown_save()
    redis_server.start()
    ok = tracked_cache.make_key(keys.ok_key(pair.session.pk))
    assert redis_server.client().exists(ok)  # the snapshot kept the entry
    time.sleep(tracking.RETRY_AFTER)  # the broken connection's pause
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_entry_from_before_a_flush_is_ignored(
    tracked_cache,
    redis_server,
    pair,
    authenticate,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    """
    A "valid" answer read from the database before a flush and written after it
    (a slow reader) carries the old epoch, so it is not trusted.
    """
    sid = str(pair.session.pk)
    seen = current_state().lookup(sid)
    revoke(pair.session, django_capture_on_commit_callbacks)
    redis_server.client().flushall()
    current_state().fill(
        sid, pair.session.user_id, time.time() + 60, seen, outbox_empty=True
    )
    with django_assert_num_queries(1), pytest.raises(AuthenticationFailed):
        authenticate(pair.access)


def test_a_foreign_value_under_the_key_is_a_miss(
    tracked_cache,
    long_lease,
    redis_server,
    pair,
    authenticate,
    django_assert_num_queries,
):
    """Whatever else sits under a session's key, the database decides."""
    key = tracked_cache.make_key(keys.ok_key(pair.session.pk))
    client = redis_server.client()
    for foreign in (b"42", b"valid", b"a|b", b"x|y|z|w"):
        client.set(key, foreign)
        with django_assert_num_queries(1):
            user, _ = authenticate(pair.access)
        assert user.pk == pair.session.user_id


def test_a_missing_lease_costs_one_drain_query(
    settings,
    tracked_cache,
    long_lease,
    redis_server,
    pair,
    authenticate,
    django_assert_num_queries,
):
    """Without a lease a warm entry is trusted only after one outbox query."""
    settings.TOKENS = {**settings.TOKENS, "CACHE_LOCAL_ENTRIES": 0}  # read Redis
    authenticate(pair.access)
    redis_server.client().delete(tracked_cache.make_key(keys.LEASE_KEY))
    with django_assert_num_queries(1):
        authenticate(pair.access)
    with django_assert_num_queries(0):
        authenticate(pair.access)


def test_a_tombstone_the_cache_missed_is_written_by_the_next_drain(
    tracked_cache, redis_server, pair, authenticate, django_capture_on_commit_callbacks
):
    """
    Redis stalls while a session is revoked: the tombstone stays in the outbox,
    and after Redis resumes, the still cached "valid" entry is not trusted
    before a drain has written it.
    """
    authenticate(pair.access)
    redis_server.pause()
    try:
        revoke(pair.session, django_capture_on_commit_callbacks)
    finally:
        redis_server.resume()
    assert PendingTombstone.objects.filter(session_id=pair.session.pk).exists()
    time.sleep(tracking.RETRY_AFTER)  # the failed connection's pause
    with pytest.raises(AuthenticationFailed):
        authenticate(pair.access)
    # Whichever process drains next writes it (the stalled write may also
    # have run when Redis resumed: Redis reads what was sent before the close).
    assert current_state().drain()
    assert not PendingTombstone.objects.exists()
    rev = tracked_cache.make_key(keys.rev_key(pair.session.pk))
    assert redis_server.client().get(rev) == keys.REVOKED


def test_local_memory_is_bounded(
    settings, tracked_cache, long_lease, make_user, authenticate
):
    """Local memory keeps at most CACHE_LOCAL_ENTRIES sessions, newest used."""
    settings.TOKENS = {**settings.TOKENS, "CACHE_LOCAL_ENTRIES": 3}
    pairs = [services.session_create(user=make_user()) for _ in range(5)]
    for p in pairs:
        authenticate(p.access)
    assert list(current_state().local) == [str(p.session.pk) for p in pairs[2:]]


def test_a_forked_process_makes_its_own_connection(tracked_cache, pair, authenticate):
    """
    A gunicorn worker forked from a process that used Redis shares neither its
    connection nor its local memory: the child starts without either.
    """
    authenticate(pair.access)
    assert registry._states  # the parent holds its state
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        os.write(write, b"fresh" if not registry._states else b"shared")
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 16) == b"fresh"
    os.close(read)


def test_a_tracking_connection_with_a_backlog_is_seen(
    tracked_cache, redis_server, pair
):
    """
    The revoker's delivery check: while some tracking connection has output
    Redis could not write (a process that does not read), it says so, and the
    revocation waits CACHE_LEASE instead of trusting the push to have landed.
    """
    fast = current_state()
    fast.lookup(str(pair.session.pk))
    assert fast.delivered()
    redis_server.client().set("big", b"x" * 20_000_000)
    with socket.create_connection(("127.0.0.1", redis_server.port)) as laggard:
        laggard.sendall(b"HELLO 3\r\nCLIENT TRACKING ON\r\nGET big\r\n")
        until = time.monotonic() + 10
        while fast.delivered():  # Redis gets to the GET
            assert time.monotonic() < until
            time.sleep(0.05)


def test_keys_evicted_from_the_tracking_table_are_not_trusted_from_memory(
    settings, tmp_path, long_lease, make_user, authenticate
):
    """
    With a tracking table of one key, Redis stops tracking what we read almost
    at once (and says so); a tombstone written later by someone else is still
    seen, whichever session it is for.
    """
    server = RedisServer(tmp_path / "tiny", "--tracking-table-max-keys", "1").start()
    try:
        settings.CACHES = {
            **settings.CACHES,
            "tiny": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_timeout": 0.25},
            },
        }
        settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "tiny"}
        pairs = [services.session_create(user=make_user()) for _ in range(20)]
        for p in pairs:
            for _ in range(3):
                authenticate(p.access)
        client = server.client()
        for p in pairs:
            client.set(caches["tiny"].make_key(keys.rev_key(p.session.pk)), b"1")
        refused = 0
        for p in pairs:
            with pytest.raises(AuthenticationFailed):
                authenticate(p.access)
            refused += 1
        assert refused == len(pairs)
    finally:
        server.stop()


def test_an_entry_in_the_format_without_its_end_is_a_miss(
    tracked_cache,
    long_lease,
    redis_server,
    pair,
    authenticate,
    django_assert_num_queries,
):
    """
    During a rolling deploy, processes of the previous version
    (``<server id>|<epoch>|<user pk>``) and of this one read each other's
    entries as another server's (the database answers), never as another
    user's (a refusal).
    """
    authenticate(pair.access)
    fast = current_state()
    key = tracked_cache.make_key(keys.ok_key(pair.session.pk))
    # What the previous version's reader makes of this version's entry: the
    # first field is not its server id, so it asks the database.
    server_id, _epoch, _user_pk = redis_server.client().get(key).split(b"|", 2)
    assert server_id != fast.server_id
    old = b"|".join((fast.server_id, fast.epoch, str(pair.session.user_id).encode()))
    redis_server.client().set(key, old)
    with django_assert_num_queries(1):
        user, _ = authenticate(pair.access)
    assert user.pk == pair.session.user_id
