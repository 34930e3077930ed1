"""
Is a session still valid? The question every authenticated request asks.

The answer comes from a cache shared by every process (Redis in production):
one round trip, no query. On a miss it comes from one indexed query joined
with the user, and is written back. Three rules keep a revoked session from
ever being accepted through the cache:

1. A revocation *overwrites* the entry with a tombstone after it commits; a
   "valid" answer is only ever *added* (written if absent), so a reader that
   saw the database before the revocation cannot overwrite the tombstone.
2. "Valid" entries carry the cache's epoch, a random value kept under its own
   key. A flushed cache loses the epoch, so an entry written from a database
   read made before the flush is ignored. Tombstones are honoured whatever
   their epoch.
3. Any cache error is a miss: the database answers. Nothing is kept in
   per-process memory.

With Django's ``RedisCache`` the read is one ``MGET`` through a client kept
for the life of the process (a connection handle, not an answer): Django builds
a new ``redis.Redis`` per call, which costs more than the round trip itself.
Reads go to the primary, so a replica that lags behind cannot hide a tombstone.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from tokens.app_settings import app_settings

logger = logging.getLogger(__name__)

EPOCH_KEY = "tokens:epoch"
REVOKED = "revoked"
TOMBSTONE_TIMEOUT = 60 * 60 * 24 * 31  # outlives any access token by far


def _entry_key(session_id: uuid.UUID | str) -> str:
    return f"tokens:sess:{session_id}"


def get_cache() -> BaseCache | None:
    alias = app_settings.CACHE_ALIAS
    return caches[alias] if alias else None


def get_state(cache: BaseCache) -> SessionState:
    """Return the cached-validity store over *cache*, fastest for its backend."""
    if isinstance(cache, RedisCache):
        return RedisSessionState(cache)
    return SessionState(cache)


class SessionUser(SimpleLazyObject):
    """
    The user of a cached session, loaded from the database only when needed.

    Answers ``pk``, ``id`` and the authentication flags without a query (the
    cache vouches that the user is active); any other attribute loads the user.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, pk: Any) -> None:
        super().__init__(lambda: get_user_model()._default_manager.get(pk=pk))
        self.__dict__["_user_pk"] = pk

    @property
    def pk(self) -> Any:
        return self.__dict__["_user_pk"]

    id = pk

    def __bool__(self) -> bool:
        return True


class SessionState:
    """The cached validity of sessions. All methods swallow cache errors."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def read(self, session_id: str) -> tuple[Any, str | None]:
        """Return ``(entry, epoch)``; an entry of None is a miss."""
        key = _entry_key(session_id)
        try:
            found = self.cache.get_many([key, EPOCH_KEY])
        except Exception:
            logger.warning("revocation cache unreachable; using the database")
            return None, None
        return found.get(key), found.get(EPOCH_KEY)

    def ensure_epoch(self) -> str | None:
        """Return the cache's epoch, making one if the cache has none."""
        try:
            self.cache.add(EPOCH_KEY, secrets.token_hex(8), timeout=None)
            return self.cache.get(EPOCH_KEY)
        except Exception:
            return None

    def add_valid(self, session_id: str, user_pk: Any, epoch: str, ttl: int) -> None:
        try:
            self.cache.add(_entry_key(session_id), (epoch, user_pk), timeout=ttl)
        except Exception:
            logger.warning("revocation cache unreachable; entry not written")

    def mark_revoked(self, session_ids: Iterable[uuid.UUID | str]) -> None:
        entries = {_entry_key(sid): REVOKED for sid in session_ids}
        if not entries:
            return
        for _attempt in range(3):
            try:
                self.cache.set_many(entries, timeout=TOMBSTONE_TIMEOUT)
                return
            except Exception:
                logger.warning("revocation cache write failed; retrying")
        # The database is already revoked: processes that miss the cache refuse
        # the session; a "valid" entry already cached lives at most CACHE_TTL.
        logger.error(
            "revocation cache write failed for %d session(s); cached entries "
            "expire within CACHE_TTL",
            len(entries),
        )

    def forget(self, session_ids: Iterable[uuid.UUID | str]) -> None:
        try:
            self.cache.delete_many([_entry_key(sid) for sid in session_ids])
        except Exception:
            logger.warning("revocation cache unreachable; entries not deleted")


class RedisSessionState(SessionState):
    """The same store, read with one ``MGET`` over a long-lived Redis client."""

    def read(self, session_id: str) -> tuple[Any, str | None]:
        cache = self.cache
        keys = [cache.make_key(_entry_key(session_id)), cache.make_key(EPOCH_KEY)]
        try:
            entry, epoch = _redis_client(cache).mget(keys)
            loads = cache._cache._serializer.loads
            return (
                None if entry is None else loads(entry),
                None if epoch is None else loads(epoch),
            )
        except Exception:
            logger.warning("revocation cache unreachable; using the database")
            return None, None


def _redis_client(cache: RedisCache) -> Any:
    # The client holds one connection of the cache's own pool (sparing the
    # pool's bookkeeping on every read); Django keeps one cache object per
    # thread, so this is one connection per thread. A broken connection is
    # reconnected by redis-py on the next read.
    client = cache.__dict__.get("_tokens_client")
    if client is None:
        pool = cache._cache._get_connection_pool(write=True)
        client = cache._cache._client(
            connection_pool=pool, single_connection_client=True
        )
        cache.__dict__["_tokens_client"] = client
    return client


def session_user_get(*, session_id: str, user_id: str, now: datetime | None = None):
    """
    Return the user of an access token's session, or None if the session is not
    valid (revoked, expired, unknown, or its user inactive or gone).
    """
    cache = get_cache()
    if cache is None:
        return _session_user_from_db(session_id, user_id, now)
    state = get_state(cache)
    entry, epoch = state.read(session_id)
    if entry == REVOKED:
        return None
    if _is_valid_entry(entry, epoch):
        return SessionUser(entry[1]) if str(entry[1]) == user_id else None
    return _session_user_from_db_and_cache(state, epoch, session_id, user_id, now)


def _is_valid_entry(entry: Any, epoch: str | None) -> bool:
    # Anything but our own (epoch, user pk) pair of this epoch is a miss: the
    # database answers, whatever else may sit under the key.
    return (
        type(entry) is tuple
        and len(entry) == 2
        and epoch is not None
        and entry[0] == epoch
    )


def _session_user_from_db_and_cache(state, epoch, session_id, user_id, now):
    if epoch is None:
        epoch = state.ensure_epoch()
    session = _valid_session(session_id, user_id, now)
    if session is None:
        return None
    if epoch is not None:
        state.add_valid(session_id, session.user_id, epoch, _ttl(session, now))
    return session.user


def _session_user_from_db(session_id, user_id, now):
    session = _valid_session(session_id, user_id, now)
    return session.user if session is not None else None


def _valid_session(session_id: str, user_id: str, now: datetime | None):
    from tokens.models import Session

    now = now or timezone.now()
    session = (
        Session.objects.select_related("user")
        .filter(pk=session_id, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if session is None or str(session.user_id) != user_id:
        return None
    if not getattr(session.user, "is_active", True):
        return None
    return session


def _ttl(session, now: datetime | None) -> int:
    remaining = (session.expires_at - (now or timezone.now())).total_seconds()
    return max(1, min(app_settings.CACHE_TTL, int(remaining)))


def sessions_mark_revoked(session_ids: Iterable[uuid.UUID | str]) -> None:
    """Write tombstones for revoked sessions (call after the revocation commits)."""
    cache = get_cache()
    if cache is not None:
        get_state(cache).mark_revoked(list(session_ids))


def sessions_forget(session_ids: Iterable[uuid.UUID | str]) -> None:
    """Drop cached answers so the database is asked again."""
    cache = get_cache()
    if cache is not None:
        get_state(cache).forget(list(session_ids))
