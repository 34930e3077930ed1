"""
Revocation state over any Django cache that is not Redis.

Rules 1 and 3 of docs/revocation.md and the outbox hold; there is no lease
and no server id, so under faults the guarantee is weaker than Redis's: a
"valid" entry lives at most CACHE_TTL after a tombstone write that failed.
Use Redis in production. Every method swallows cache errors: a failure is a
miss, which the database answers.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import BaseCache, caches

from tokens.revocation.keys import EPOCH_KEY, TOMBSTONE_TIMEOUT, ok_key, rev_key
from tokens.revocation.protocol import NO_CACHE, Lookup, Outcome, vouches_at

logger = logging.getLogger(__name__)


class CacheRevocationState:
    """Cached validity over any Django cache."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def cache(self) -> BaseCache:
        return caches[self.alias]  # Django keeps one cache object per thread

    def lookup(self, session_id: str, at: float | None = None) -> Lookup:
        rev, ok = rev_key(session_id), ok_key(session_id)
        try:
            found = self.cache.get_many([rev, ok, EPOCH_KEY])
            epoch = found.get(EPOCH_KEY)
            if epoch is None:
                self.cache.add(EPOCH_KEY, secrets.token_hex(8), timeout=None)
                epoch = self.cache.get(EPOCH_KEY)
        except Exception:
            logger.warning("revocation cache unreachable; using the database")
            return NO_CACHE
        if found.get(rev) is not None:
            return Lookup(Outcome.REVOKED)
        entry = found.get(ok)
        if (
            type(entry) is tuple
            and len(entry) == 3
            and epoch
            and entry[0] == epoch
            and vouches_at(entry[2], at)
        ):
            return Lookup(Outcome.VALID, user_pk=str(entry[1]))
        return Lookup(Outcome.MISS, epoch=epoch)

    def fill(
        self,
        session_id: str,
        user_pk: Any,
        until: float,
        seen: Lookup,
        outbox_empty: bool = False,
    ) -> None:
        if seen.epoch is None:
            return
        entry = (seen.epoch, user_pk, int(until * 1000))
        # The entry carries its own end: the cache's timeout only evicts it.
        timeout = max(1, math.ceil(until - time.time()))
        try:
            self.cache.set(ok_key(session_id), entry, timeout=timeout)
        except Exception:
            logger.warning("revocation cache unreachable; entry not written")

    def drain(self) -> bool:
        return False  # no lease to renew: the outbox is drained by revokers only

    def write_tombstones(self, session_ids: list[str]) -> bool:
        try:
            self.cache.set_many(
                {rev_key(sid): True for sid in session_ids}, timeout=TOMBSTONE_TIMEOUT
            )
            return True
        except Exception:
            return False

    def delivered(self) -> bool:
        return True  # nothing is kept in process memory

    def forget(self, session_ids: Iterable[str]) -> None:
        try:
            self.cache.delete_many([ok_key(sid) for sid in session_ids])
        except Exception:
            logger.warning("revocation cache unreachable; entries not deleted")
