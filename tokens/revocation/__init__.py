"""
Revocation: is a session still valid, and how every process learns that it
is not. Why each rule holds is argued in docs/revocation.md; each module
states the rule it implements.

- ``keys``: the cache keys (tombstone, "valid" entry, epoch, lease)
- ``protocol``: ``RevocationState``, the ``Outcome`` of a lookup, ``Lookup``
- ``cache_backend``: the state over any Django cache
- ``tracking``: the Redis tracking connection and the local copy it keeps current
- ``redis_backend``: the state over Redis (server lifetime, epoch, lease)
- ``outbox``: the pending tombstones, written in the revocation's transaction
- ``registry``: one state per process and cache alias
- ``check``: the question every authenticated request asks
- ``publish``: the revoker's side, after the commit
"""

from tokens.revocation.cache_backend import CacheRevocationState
from tokens.revocation.check import session_user_get
from tokens.revocation.protocol import Lookup, Outcome, RevocationState
from tokens.revocation.publish import sessions_forget, sessions_mark_revoked
from tokens.revocation.redis_backend import RedisRevocationState
from tokens.revocation.registry import get_state
from tokens.revocation.user import SessionUser

__all__ = [
    "CacheRevocationState",
    "Lookup",
    "Outcome",
    "RedisRevocationState",
    "RevocationState",
    "SessionUser",
    "get_state",
    "session_user_get",
    "sessions_forget",
    "sessions_mark_revoked",
]
