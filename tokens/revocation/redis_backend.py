"""
Revocation state over Redis, with a local copy kept current by pushes.

Implements rules 1-6 of docs/revocation.md: tombstones always win (1);
"valid" entries are trusted only from this server lifetime (2), this epoch
(3) and under a lease that only a drain of the outbox sets (4); any Redis
error is a miss and the database answers (5); the local copy is trusted only
after the pending invalidations are applied, under a local copy of the lease
(6). One state per process and cache alias, shared by its threads under a
lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable
from typing import Any, cast

from django.core.cache import caches

from tokens.app_settings import app_settings
from tokens.revocation import outbox
from tokens.revocation.keys import (
    EPOCH_KEY,
    LEASE_KEY,
    REVOKED,
    TOMBSTONE_TIMEOUT,
    ok_key,
    rev_key,
)
from tokens.revocation.protocol import NO_CACHE, Lookup, Outcome, vouches_at
from tokens.revocation.tracking import (
    REDIS_ERRORS,
    ClosedConnection,
    Entry,
    LocalCopy,
    TrackingConnection,
)


def _redis_time_ms(reply: Any) -> int:
    return int(reply[0]) * 1000 + int(reply[1]) // 1000


class RedisRevocationState:
    """Cached validity over Redis (rules 1-6)."""

    def __init__(self, alias: str) -> None:
        self.lock = threading.RLock()
        self.make_key = caches[alias].make_key
        self.epoch_key = self.make_key(EPOCH_KEY).encode()
        self.lease_key = self.make_key(LEASE_KEY).encode()
        self.stats = dict.fromkeys(
            ("local", "remote", "drains", "reconnects", "waits", "drops"), 0
        )
        self.local = LocalCopy(self.make_key)
        self.tracking = TrackingConnection(
            alias, on_connect=self._on_connect, on_invalidate=self._on_invalidate
        )

    # What tests, the benchmark and the revoker read of the connection.
    @property
    def conn(self) -> Any:
        return self.tracking.conn

    @property
    def server_id(self) -> bytes | None:
        return self.tracking.server_id

    @property
    def epoch(self) -> bytes | None:
        return self.local.epoch

    def _on_connect(self) -> None:
        self._drop_local()
        self.stats["reconnects"] += 1

    def _on_invalidate(self, message: list[Any]) -> None:
        keys = message[1]
        if keys is None:  # FLUSHALL / FLUSHDB
            self._drop_local()
            return
        for key in keys:
            if key == self.epoch_key:
                self.local.epoch = None
            elif key != self.lease_key:  # a renewed lease only lives longer
                self.local.forget_key(key)

    def _drop_local(self) -> None:
        self.stats["drops"] += 1
        self.local.clear()

    def _fail(self, exc: Exception) -> None:
        self.tracking.fail(exc)
        self._drop_local()

    def lease_seconds(self) -> float:
        return app_settings.CACHE_LEASE.total_seconds()

    def _lease_command(self, t0_ms: int) -> tuple[Any, ...]:
        until = t0_ms + int(self.lease_seconds() * 1000)
        return ("SET", self.lease_key, b"1", "PXAT", until)

    # Reads -------------------------------------------------------------------

    def lookup(self, session_id: str, at: float | None = None) -> Lookup:
        with self.lock:
            if self.tracking.resting():
                return NO_CACHE
            for attempt in (1, 2):
                try:
                    return self._lookup(session_id, at)
                except ClosedConnection as exc:
                    # Closed under us (restart, CLIENT KILL, failover): what it
                    # would have told us is lost. Start afresh, once, now.
                    if attempt == 2:
                        self._fail(exc)
                    self.tracking.disconnect()
                    self._drop_local()
                except REDIS_ERRORS as exc:  # timeouts: leave Redis alone a while
                    self._fail(exc)
                    break
            return NO_CACHE

    def _lookup(self, session_id: str, at: float | None) -> Lookup:
        self.tracking.read_pushes()
        local = self.local
        entry = local.get(session_id)
        if entry is not None and local.leased() and local.epoch is not None:
            self.stats["local"] += 1
            return self._decide(entry, lease=True, at=at)
        return self._read(session_id, at)

    def _read(self, session_id: str, at: float | None) -> Lookup:
        rev, ok = self.make_key(rev_key(session_id)), self.make_key(ok_key(session_id))
        sent_at = time.monotonic()
        # The MGET whose values are kept comes last: every push read with
        # these replies is about something that happened before it ran.
        pttl, now, values = self.tracking.call(
            ("PTTL", self.lease_key),
            ("TIME",),
            ("MGET", rev, ok, self.epoch_key, self.lease_key),
        )
        self.stats["remote"] += 1
        rev_value, ok_value, self.local.epoch, _lease = values
        self.local.lease_until = sent_at + pttl / 1000 if pttl > 0 else 0.0
        entry = (rev_value is not None, ok_value)
        self.local.remember(session_id, entry)
        if self.local.epoch is None:
            self.local.epoch = self._make_epoch()
        found = self._decide(entry, lease=self.local.leased(), at=at)
        found.t0_ms = _redis_time_ms(now)
        found.sent_at = sent_at
        return found

    def _make_epoch(self) -> bytes:
        # Made before the database query of the entry that will carry it.
        _set, epoch = self.tracking.call(
            ("SET", self.epoch_key, secrets.token_hex(8), "NX"),
            ("GET", self.epoch_key),
        )
        return cast(bytes, epoch)

    def _decide(self, entry: Entry, lease: bool, at: float | None) -> Lookup:
        revoked, ok = entry
        if revoked:
            return Lookup(Outcome.REVOKED)
        seen = Lookup(
            Outcome.MISS, server_id=self.server_id, epoch=self.local.epoch, lease=lease
        )
        parts = ok.split(b"|", 3) if ok else ()
        if len(parts) != 4 or parts[1] != self.server_id or parts[2] != seen.epoch:
            return seen
        # The entry's own end (rule 1): local memory keeps an entry past the
        # moment Redis expires it, until Redis gets round to deleting it.
        if not (parts[0].isdigit() and vouches_at(int(parts[0]), at)):
            return seen
        seen.kind = Outcome.VALID if lease else Outcome.UNLEASED
        seen.user_pk = parts[3].decode()
        return seen

    # Writes ------------------------------------------------------------------

    def fill(
        self,
        session_id: str,
        user_pk: Any,
        until: float,
        seen: Lookup,
        outbox_empty: bool = False,
    ) -> None:
        """
        Write a "valid" entry from a database read made after *seen*, trusted
        until *until* (a ``time.time()`` reading).
        """
        if seen.server_id is None or seen.epoch is None:
            return
        until_ms = int(until * 1000)
        value = b"|".join(
            (b"%d" % until_ms, seen.server_id, seen.epoch, str(user_pk).encode())
        )
        rev, ok = self.make_key(rev_key(session_id)), self.make_key(ok_key(session_id))
        commands: list[tuple[Any, ...]] = [("SET", ok, value, "PXAT", until_ms)]
        # A read that saw an empty outbox is as good as a drain (rule 4).
        renew = outbox_empty and not seen.lease and seen.t0_ms is not None
        if renew:
            commands.append(self._lease_command(cast(int, seen.t0_ms)))
        # A key we write is no longer tracked for us (Redis forgets who read
        # a key when it changes): read both again, last, to be told of what
        # follows; pushes read before its reply are older than its values.
        commands.append(("MGET", rev, ok))
        with self.lock:
            if self.server_id != seen.server_id:
                return  # another server since the read: its lifetime is not ours
            try:
                *_writes, (rev_value, ok_value) = self.tracking.call(*commands)
                self.local.remember(session_id, (rev_value is not None, ok_value))
                if renew:
                    self.local.lease_until = seen.sent_at + self.lease_seconds()
            except REDIS_ERRORS as exc:
                self._fail(exc)

    def drain(self) -> bool:
        """Write every pending tombstone, then renew the lease (rule 4)."""
        with self.lock:
            try:
                sent_at = time.monotonic()
                (now,) = self.tracking.call(("TIME",))
                t0_ms = _redis_time_ms(now)
                while True:
                    ids = outbox.pending(outbox.DRAIN_BATCH)
                    if ids:
                        self._write(ids)
                        outbox.delivered(ids)
                    if len(ids) < outbox.DRAIN_BATCH:
                        break
                self.tracking.call(self._lease_command(t0_ms))
                self.local.lease_until = sent_at + self.lease_seconds()
                self.stats["drains"] += 1
                return True
            except REDIS_ERRORS as exc:
                self._fail(exc)
                return False

    def _write(self, session_ids: list[str]) -> None:
        for sid in session_ids:
            self.local.forget(sid)
        self.tracking.call(
            *(
                ("SET", self.make_key(rev_key(sid)), REVOKED, "EX", TOMBSTONE_TIMEOUT)
                for sid in session_ids
            )
        )

    def write_tombstones(self, session_ids: list[str]) -> bool:
        with self.lock:
            try:
                self._write(session_ids)
                return True
            except REDIS_ERRORS as exc:
                self._fail(exc)
                return False

    def delivered(self) -> bool:
        """
        Return True if every invalidation queued before our last write has
        been written to its socket (rule 6).
        """
        with self.lock:
            return self.tracking.tracking_clients_drained()

    def forget(self, session_ids: Iterable[str]) -> None:
        ids = list(session_ids)
        if not ids:
            return
        with self.lock:
            try:
                for sid in ids:
                    self.local.forget(sid)
                self.tracking.call(("DEL", *(self.make_key(ok_key(s)) for s in ids)))
            except REDIS_ERRORS as exc:
                self._fail(exc)
