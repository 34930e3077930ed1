"""
Is a session still valid? The question every authenticated request asks.

The guarantee
-------------
A session whose revocation answered (2xx), or that the database holds as
revoked for longer than CACHE_LEASE (default 250 ms), is refused by every
process on one host from then on, whatever the Redis cache does: stall and
resume, restart from an RDB/AOF snapshot, fail over to a replica that missed
the last writes, lose a connection, or be cut off from one process. Across
hosts the same holds for answers read from Redis; answers from a process's
local memory carry the caveat of rule 6. When in doubt the database answers,
and it is the authority.

How (Redis; each rule with the reason it holds)
-----------------------------------------------
1. Two keys per session: a tombstone ``rev:<sid>`` and a "valid" entry
   ``ok:<sid>`` holding ``<until>|<server id>|<epoch>|<user pk>``. A tombstone
   is honoured whatever wrote it and whenever; a "valid" entry is honoured only
   when nothing contradicts it (rules 2-4), and only before *until* (ms since
   the epoch): CACHE_TTL after the read at most, and never past the moment the
   session would stop being live unless refreshed (its idle cutoff or its
   expiry, ``tokens.models.Liveness``). Every reader checks *until*, local
   memory included, so the entry never outlives the idle cutoff, however late
   Redis deletes an expired key. *until* comes first so that a process still
   running the format without it (``<server id>|<epoch>|<user pk>``, during a
   rolling deploy) reads such an entry as another server's: a miss, which the
   database answers, rather than another user's, which it would refuse.
   A reader that saw the database before a revocation may write its "valid"
   entry after the tombstone: the tombstone still wins, because it is another
   key and it is always read.
2. Server lifetime. The *server id* is the Redis server's ``run_id`` (new at
   every start, so also after a restart from a snapshot) and its
   ``master_replid`` (new when a replica is promoted). It is read once per
   connection, when it is made. An entry written in another lifetime of the
   server, restored from a snapshot or replicated before a failover, is not
   trusted: the database answers and the entry is rewritten. A writer uses
   the id it read *before* its database query, so an answer read from the
   database before a restart cannot be filed under the new lifetime.
3. Epoch. ``FLUSHALL``/``FLUSHDB`` erase tombstones without a new lifetime.
   "Valid" entries carry a random epoch kept under its own key, made before
   the database query of the entry it is written with; a flush erases it, so
   nothing written from a read older than the flush is trusted.
4. Outbox and lease. The revocation's own transaction inserts one
   ``PendingTombstone`` row per session. After the commit the tombstones are
   written and the rows deleted; when the write fails the rows stay. A "valid"
   entry is trusted only while a *lease* key exists, and only a *drain* sets
   the lease: ``TIME`` (t0), then one query for the pending rows, their
   tombstones written, the rows deleted, then ``SET lease PXAT t0+H`` on the
   same connection (H = CACHE_LEASE). A revoker whose tombstone write failed
   answers no earlier than H after its commit (it sleeps the rest; only then).
   Argument: a lease present when Redis executes a read at r has
   ``t0 + H > r`` on Redis's clock; the revocation's answer came before r and
   no earlier than c + H (c: the commit), so ``t0 > c``: the drain's query
   started after the commit and saw the row, and its tombstone was executed
   before the lease, hence before r (one connection, one ordered stream; a
   replica receives them in the same order). A lease ``SET`` that executes
   late (queued behind a stall) is already expired; a lease restored from an
   old snapshot is expired too. Assumptions: Redis's clock does not jump
   (it expires keys by wall time; NTP slewing is fine) and measures time at
   the rate of the revoker's monotonic clock; PostgreSQL's commit is visible
   to statements that start after it returns. A database read that saw no
   pending row is as good as a drain and renews the lease the same way, so a
   cold request costs one query, not two.
5. Any Redis error is a miss: the database answers, the connection is closed
   and local memory dropped. A connection found closed (restart, CLIENT KILL,
   failover) is replaced at once, in the same request; after a timeout or a
   refused connection the database answers alone for RETRY_AFTER, so a hung
   Redis costs each process at most one timeout per RETRY_AFTER. With
   Sentinel, the connection is made through the cache's ``pool_class``
   (redis-py's SentinelConnectionPool), so it follows the primary.

Local memory (no round trip)
----------------------------
6. Each process holds one RESP3 connection with ``CLIENT TRACKING ON``
   (default mode) through which it reads the keys above, and keeps what it
   read in a bounded LRU (CACHE_LOCAL_ENTRIES sessions). Redis remembers
   which keys each connection read and, while it executes a write of one of
   them, appends an ``invalidate`` push to that connection's output buffer
   (``trackingInvalidateKey`` calls ``sendTrackingMessage`` for every other
   client during the command; only the writer's own invalidations wait for
   its reply). All pending output, replies and pushes, is written to the
   sockets in the same ``beforeSleep`` pass (``handleClientsWithPendingWrites``).
   Before trusting local memory a process reads every pending push without
   blocking (redis-py's push handler; no parser of ours) and drops what they
   name; a flush push drops everything. It trusts local memory only while it
   holds a local copy of the lease, valid until its own send time + the PTTL
   Redis reported (never later than Redis's own expiry). When the connection
   breaks or is replaced, local memory is dropped.
   Redis forgets who read a key once the key changes, so a process re-reads
   the keys it has just written (in the same round trip) to stay tracked. In
   every pipeline the ``MGET`` whose values are kept comes last, so each push
   read with its replies is about an event before it ran. Tracking is not
   ``NOLOOP``: Redis skips NOLOOP clients by comparing with the client whose
   command is running, which also silences the invalidations of keys it evicts
   from a full tracking table during that client's own command, and memory
   would stay untracked.
   The revoker, after its tombstone write, asks ``CLIENT LIST`` (executed in a
   later event-loop turn than the write, after the ``beforeSleep`` that wrote
   the pushes) whether any tracking connection still waits for its socket to
   drain (``events=rw``: Redis installs a write handler only for output it
   could not write at once). If none does, every invalidation was handed to
   the kernel before the revoker answers, and on one host a loopback socket
   makes it readable at once: the next request to any process finds it. If
   one does (a process with a backlog), or ``CLIENT LIST`` is refused, the
   revoker waits H after the write: by then every local lease taken before the
   write has expired, so the next request makes a round trip on the tracking
   connection, whose reply comes after every push queued before it. (Redis's
   I/O threads, off by default, also finish their writes in ``beforeSleep``.)
   Across hosts the push is on the wire when the revoker answers, not yet
   read: a process can answer from memory until the push lands or, at the
   latest, until its local lease expires (H). Deployments that need the
   strict guarantee across hosts set CACHE_LOCAL_ENTRIES to 0 (every request
   is then one round trip, and rules 1-5 alone hold).
   Redis's tracking table is bounded by ``tracking-table-max-keys``; a key
   dropped from it is announced with an invalidation, so it is read again.

Other caches (no Redis) get rules 1, 3 and the outbox, without lease or
server id: their guarantee under faults is the old one (a "valid" entry lives
at most CACHE_TTL after a failed tombstone). Use Redis in production.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db.models import Exists
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    REDIS_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, OSError)
except ImportError:  # redis-py is needed only when Redis is the cache
    redis = None  # type: ignore[assignment]
    REDIS_ERRORS = (OSError,)

from tokens.app_settings import app_settings

if TYPE_CHECKING:
    from tokens.models import Liveness, Session

logger = logging.getLogger(__name__)

EPOCH_KEY = "tokens:epoch"
LEASE_KEY = "tokens:lease"
REVOKED = b"1"
TOMBSTONE_TIMEOUT = 60 * 60 * 24 * 31  # outlives any access token by far
RETRY_AFTER = 0.5  # seconds without Redis after an error
DRAIN_BATCH = 500

# Outcomes of a cache lookup.
MISS, VALID, REVOKED_SESSION, UNLEASED = "miss", "valid", "revoked", "unleased"


def _rev_key(session_id: uuid.UUID | str) -> str:
    return f"tokens:rev:{session_id}"


def _ok_key(session_id: uuid.UUID | str) -> str:
    return f"tokens:ok:{session_id}"


@dataclass
class Lookup:
    """What the cache said about one session, and what a writer needs after."""

    kind: str
    user_pk: str | None = None
    server_id: bytes | None = None
    epoch: bytes | None = None
    t0_ms: int | None = None  # Redis TIME taken before the database query
    sent_at: float = 0.0  # local monotonic time the read was sent
    lease: bool = False


NO_CACHE = Lookup(MISS)


def _before(until_ms: Any, at: float | None) -> bool:
    """Whether a "valid" entry trusted until *until_ms* still vouches at *at*."""
    now = time.time() if at is None else at
    return type(until_ms) is int and now * 1000 < until_ms


class SessionUser(SimpleLazyObject):
    """
    The user of a cached session, loaded from the database only when needed.

    Answers ``pk``, ``id`` and the authentication flags without a query (the
    cache vouches that the user is active); any other attribute loads the user.
    A user row gone since (deleted outside the ORM) is a 401, never a 500.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True

    # LazyObject's __getattribute__ runs in Python on every attribute read, to
    # hide its proxy methods from hasattr() when the wrapped object lacks them
    # (a user has none of them). A view reads a loaded user's fields dozens of
    # times a request: 1.1 µs a read through it, 0.56 µs without it.
    __getattribute__ = object.__getattribute__

    def __init__(self, pk: Any) -> None:
        super().__init__(lambda: _load_user(pk))
        self.__dict__["_user_pk"] = pk

    @property
    def pk(self) -> Any:
        # The cache holds text; the pk has its field's type, resolved on use.
        raw = self.__dict__["_user_pk"]
        if isinstance(raw, str):
            raw = self.__dict__["_user_pk"] = get_user_model()._meta.pk.to_python(raw)
        return raw

    id = pk

    def __bool__(self) -> bool:
        return True


def _load_user(pk: Any) -> Any:
    # get(), not filter().first(): first() orders by the key, and compiling
    # that ORDER BY costs more than the rest of the query's compilation.
    User = get_user_model()
    try:
        return User._default_manager.get(pk=pk)
    except User.DoesNotExist:
        raise AuthenticationFailed(
            _("User not found."), code="user_not_found"
        ) from None


# Generic Django caches ------------------------------------------------------


class SessionState:
    """Cached validity over any Django cache. All methods swallow cache errors."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def cache(self) -> BaseCache:
        return caches[self.alias]  # Django keeps one cache object per thread

    def lookup(self, session_id: str, at: float | None = None) -> Lookup:
        rev, ok = _rev_key(session_id), _ok_key(session_id)
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
            return Lookup(REVOKED_SESSION)
        entry = found.get(ok)
        if (
            type(entry) is tuple
            and len(entry) == 3
            and epoch
            and entry[0] == epoch
            and _before(entry[2], at)
        ):
            return Lookup(VALID, user_pk=str(entry[1]))
        return Lookup(MISS, epoch=epoch)

    def fill(
        self, session_id: str, user_pk: Any, until: float, seen: Lookup, **_: Any
    ) -> None:
        if seen.epoch is None:
            return
        entry = (seen.epoch, user_pk, int(until * 1000))
        # The entry carries its own end: the cache's timeout only evicts it.
        timeout = max(1, math.ceil(until - time.time()))
        try:
            self.cache.set(_ok_key(session_id), entry, timeout=timeout)
        except Exception:
            logger.warning("revocation cache unreachable; entry not written")

    def drain(self) -> bool:
        return False

    def write_tombstones(self, session_ids: list[str]) -> bool:
        try:
            self.cache.set_many(
                {_rev_key(sid): True for sid in session_ids}, timeout=TOMBSTONE_TIMEOUT
            )
            return True
        except Exception:
            return False

    def delivered(self) -> bool:
        return True  # nothing is kept in process memory

    def forget(self, session_ids: Iterable[str]) -> None:
        try:
            self.cache.delete_many([_ok_key(sid) for sid in session_ids])
        except Exception:
            logger.warning("revocation cache unreachable; entries not deleted")


# Redis -----------------------------------------------------------------------


def _redis_url(location: Any) -> str:
    if isinstance(location, list | tuple):
        return cast(str, location[0])
    return cast(str, location.split(",")[0])


def _info_field(raw: Any, name: bytes) -> bytes:
    text = raw if isinstance(raw, bytes) else str(raw).encode()
    for line in text.splitlines():
        if line.startswith(name + b":"):
            return line.split(b":", 1)[1].strip()
    return b""


class RedisSessionState:
    """
    Cached validity over Redis, with a local copy kept current by pushes.

    One per process and cache alias (made again after a fork), shared by the
    process's threads under a lock.
    """

    def __init__(self, alias: str) -> None:
        conf = settings.CACHES[alias]
        self.lock = threading.RLock()
        self.make_key = caches[alias].make_key
        self.epoch_key = self.make_key(EPOCH_KEY).encode()
        self.lease_key = self.make_key(LEASE_KEY).encode()
        self.conn = self._connection(conf)
        self.server_id: bytes | None = None
        self.client_id: int | None = None
        self.local: OrderedDict[str, tuple[bool, bytes | None]] = OrderedDict()
        self.owner: dict[bytes, str] = {}
        self.epoch: bytes | None = None
        self.lease_until = 0.0
        self.retry_at = 0.0
        self.stats = dict.fromkeys(
            ("local", "remote", "drains", "reconnects", "waits", "drops"), 0
        )

    def _connection(self, conf: dict[str, Any]) -> Any:
        # The cache's own options, as Django's RedisCache reads them: a
        # ``pool_class`` such as redis-py's SentinelConnectionPool (with its
        # ``service_name`` and ``sentinel_manager``) makes this connection ask
        # Sentinel for the primary, like the cache's.
        options = dict(conf.get("OPTIONS", {}))
        options.pop("serializer", None)
        pool_class = options.pop("pool_class", redis.ConnectionPool)
        if isinstance(options.get("parser_class"), str):
            options["parser_class"] = import_string(options["parser_class"])
        options.update(
            protocol=3,
            retry=Retry(NoBackoff(), 0),  # a failure is a miss, not a wait
            redis_connect_func=self._on_connect,
        )
        if isinstance(pool_class, str):
            pool_class = import_string(pool_class)
        pool = pool_class.from_url(_redis_url(conf["LOCATION"]), **options)
        return pool.make_connection()

    def _on_connect(self, conn: Any) -> None:
        # A new connection: whatever was read through the old one may have
        # changed unseen, and the server may be another one.
        conn.on_connect()
        conn._parser.set_invalidation_push_handler(self._on_invalidate)
        conn.send_packed_command(
            conn.pack_commands(
                [
                    ("CLIENT", "TRACKING", "ON"),
                    ("CLIENT", "ID"),
                    ("INFO", "server"),
                    ("INFO", "replication"),
                ]
            )
        )
        _ok, client_id, server, replication = (conn.read_response() for _ in range(4))
        self._drop_local()
        self.client_id = int(client_id)
        self.server_id = (
            _info_field(server, b"run_id")
            + b"."
            + _info_field(replication, b"master_replid")
        )
        self.stats["reconnects"] += 1

    def _on_invalidate(self, message: list[Any]) -> None:
        keys = message[1]
        if keys is None:  # FLUSHALL / FLUSHDB
            self._drop_local()
            return
        for key in keys:
            if key == self.epoch_key:
                self.epoch = None
            elif key != self.lease_key:  # a renewed lease only lives longer
                self._forget_local(self.owner.get(key))

    def _drop_local(self) -> None:
        self.stats["drops"] += 1
        self.local.clear()
        self.owner.clear()
        self.epoch = None
        self.lease_until = 0.0

    def _forget_local(self, session_id: str | None) -> None:
        if session_id is None or self.local.pop(session_id, None) is None:
            return
        self.owner.pop(self.make_key(_rev_key(session_id)).encode(), None)
        self.owner.pop(self.make_key(_ok_key(session_id)).encode(), None)

    def _remember(self, session_id: str, entry: tuple[bool, bytes | None]) -> None:
        limit = app_settings.CACHE_LOCAL_ENTRIES
        if limit <= 0:
            return
        self._forget_local(session_id)
        self.local[session_id] = entry
        self.owner[self.make_key(_rev_key(session_id)).encode()] = session_id
        self.owner[self.make_key(_ok_key(session_id)).encode()] = session_id
        while len(self.local) > limit:
            self._forget_local(next(iter(self.local)))

    def _fail(self, exc: Exception) -> None:
        logger.warning("revocation cache unreachable (%s); using the database", exc)
        self.conn.disconnect()
        self._drop_local()
        self.retry_at = time.monotonic() + RETRY_AFTER

    def _read_pushes(self) -> None:
        conn = self.conn
        while conn.can_read(timeout=0):
            try:
                conn.read_response(
                    push_request=True, timeout=0, disconnect_on_error=False
                )
            except redis.TimeoutError:
                # Part of a push is in: the rest is on its way, wait for it.
                conn.read_response(push_request=True)

    def _call(self, *commands: tuple[Any, ...]) -> list[Any]:
        conn = self.conn
        conn.send_packed_command(conn.pack_commands(commands))
        return [conn.read_response() for _ in commands]

    # Reads -------------------------------------------------------------------

    def lookup(self, session_id: str, at: float | None = None) -> Lookup:
        with self.lock:
            if time.monotonic() < self.retry_at:
                return NO_CACHE
            for attempt in (1, 2):
                try:
                    return self._lookup(session_id, at)
                except redis.ConnectionError as exc:
                    # Closed under us (restart, CLIENT KILL, failover): what it
                    # would have told us is lost. Start afresh, once, now.
                    if attempt == 2:
                        self._fail(exc)
                    self.conn.disconnect()
                    self._drop_local()
                except REDIS_ERRORS as exc:  # timeouts: leave Redis alone a while
                    self._fail(exc)
                    break
            return NO_CACHE

    def _lookup(self, session_id: str, at: float | None) -> Lookup:
        self._read_pushes()
        entry = self.local.get(session_id)
        if entry is not None and self._leased() and self.epoch is not None:
            self.local.move_to_end(session_id)
            self.stats["local"] += 1
            return self._decide(entry, lease=True, at=at)
        return self._read(session_id, at)

    def _leased(self) -> bool:
        return time.monotonic() < self.lease_until

    def _read(self, session_id: str, at: float | None) -> Lookup:
        rev, ok = (
            self.make_key(_rev_key(session_id)),
            self.make_key(_ok_key(session_id)),
        )
        sent_at = time.monotonic()
        # The MGET whose values are kept comes last: every push read with
        # these replies is about something that happened before it ran.
        pttl, now, values = self._call(
            ("PTTL", self.lease_key),
            ("TIME",),
            ("MGET", rev, ok, self.epoch_key, self.lease_key),
        )
        self.stats["remote"] += 1
        rev_value, ok_value, self.epoch, _lease = values
        self.lease_until = sent_at + pttl / 1000 if pttl > 0 else 0.0
        entry = (rev_value is not None, ok_value)
        self._remember(session_id, entry)
        if self.epoch is None:
            self.epoch = self._make_epoch()
        found = self._decide(entry, lease=self._leased(), at=at)
        found.t0_ms = int(now[0]) * 1000 + int(now[1]) // 1000
        found.sent_at = sent_at
        return found

    def _make_epoch(self) -> bytes:
        # Made before the database query of the entry that will carry it.
        _set, epoch = self._call(
            ("SET", self.epoch_key, secrets.token_hex(8), "NX"),
            ("GET", self.epoch_key),
        )
        return cast(bytes, epoch)

    def _decide(
        self, entry: tuple[bool, bytes | None], lease: bool, at: float | None
    ) -> Lookup:
        revoked, ok = entry
        if revoked:
            return Lookup(REVOKED_SESSION)
        seen = Lookup(MISS, server_id=self.server_id, epoch=self.epoch, lease=lease)
        parts = ok.split(b"|", 3) if ok else ()
        if len(parts) != 4 or parts[1] != self.server_id or parts[2] != self.epoch:
            return seen
        # The entry's own end (rule 1): local memory keeps an entry past the
        # moment Redis expires it, until Redis gets round to deleting it.
        if not (parts[0].isdigit() and _before(int(parts[0]), at)):
            return seen
        seen.kind, seen.user_pk = (VALID if lease else UNLEASED), parts[3].decode()
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
        rev, ok = (
            self.make_key(_rev_key(session_id)),
            self.make_key(_ok_key(session_id)),
        )
        commands: list[tuple[Any, ...]] = [("SET", ok, value, "PXAT", until_ms)]
        renew = outbox_empty and not seen.lease and seen.t0_ms is not None
        if renew:
            # renew implies a t0_ms.
            commands.append(self._lease_command(seen.t0_ms))  # type: ignore[arg-type]
        # A key we write is no longer tracked for us (Redis forgets who read
        # a key when it changes): read both again, last, to be told of what
        # follows; pushes read before its reply are older than its values.
        commands.append(("MGET", rev, ok))
        with self.lock:
            if self.server_id != seen.server_id:
                return  # another server since the read: its lifetime is not ours
            try:
                *_writes, (rev_value, ok_value) = self._call(*commands)
                self._remember(session_id, (rev_value is not None, ok_value))
                if renew:
                    self.lease_until = seen.sent_at + self._lease_seconds()
            except REDIS_ERRORS as exc:
                self._fail(exc)

    def _lease_seconds(self) -> float:
        return app_settings.CACHE_LEASE.total_seconds()

    def _lease_command(self, t0_ms: int) -> tuple[Any, ...]:
        until = t0_ms + int(self._lease_seconds() * 1000)
        return ("SET", self.lease_key, b"1", "PXAT", until)

    def drain(self) -> bool:
        """Write every pending tombstone, then renew the lease (rule 4)."""
        from tokens.models import PendingTombstone

        with self.lock:
            try:
                sent_at = time.monotonic()
                (now,) = self._call(("TIME",))
                t0_ms = int(now[0]) * 1000 + int(now[1]) // 1000
                while True:
                    pending = PendingTombstone.objects.values_list(
                        "session_id", flat=True
                    )
                    ids = [str(sid) for sid in pending[:DRAIN_BATCH]]
                    if ids:
                        self._write(ids)
                        PendingTombstone.objects.filter(session_id__in=ids).delete()
                    if len(ids) < DRAIN_BATCH:
                        break
                self._call(self._lease_command(t0_ms))
                self.lease_until = sent_at + self._lease_seconds()
                self.stats["drains"] += 1
                return True
            except REDIS_ERRORS as exc:
                self._fail(exc)
                return False

    def _write(self, session_ids: list[str]) -> None:
        for sid in session_ids:
            self._forget_local(sid)
        self._call(
            *(
                ("SET", self.make_key(_rev_key(sid)), REVOKED, "EX", TOMBSTONE_TIMEOUT)
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
        Return True if no tracking connection waits for its socket to drain,
        i.e. every invalidation queued before our last write has been written
        to its socket (rule 6).
        """
        with self.lock:
            try:
                (listing,) = self._call(("CLIENT", "LIST", "TYPE", "normal"))
            except REDIS_ERRORS:
                return False
        text = listing if isinstance(listing, bytes) else str(listing).encode()
        for line in text.splitlines():
            fields = dict(f.split(b"=", 1) for f in line.split() if b"=" in f)
            if b"t" not in fields.get(b"flags", b""):
                continue
            if fields.get(b"id") == str(self.client_id).encode():
                continue
            if b"w" in fields.get(b"events", b""):
                return False
        return True

    def forget(self, session_ids: Iterable[str]) -> None:
        keys = [self.make_key(_ok_key(sid)) for sid in session_ids]
        if not keys:
            return
        with self.lock:
            try:
                for sid in session_ids:
                    self._forget_local(sid)
                self._call(("DEL", *keys))
            except REDIS_ERRORS as exc:
                self._fail(exc)


_states: dict[str, SessionState | RedisSessionState] = {}
_states_lock = threading.Lock()


def get_state() -> SessionState | RedisSessionState:
    """
    Return the cached-validity store of CACHE_ALIAS, fastest for its backend:
    one per process (a forked child makes its own: the parent's connection
    and local memory are not its own).
    """
    # Called only when CACHE_ALIAS names a cache.
    alias = cast(str, app_settings.CACHE_ALIAS)
    state = _states.get(alias)
    if state is None:
        with _states_lock:
            state = _states.get(alias)
            if state is None:
                state = _states[alias] = _make_state(alias)
    return state


def _make_state(alias: str) -> SessionState | RedisSessionState:
    if isinstance(caches[alias], RedisCache):
        return RedisSessionState(alias)
    return SessionState(alias)


def _reset_states(*, setting: str = "CACHES", **kwargs: Any) -> None:
    if setting in ("CACHES", "TOKENS"):
        _states.clear()


setting_changed.connect(_reset_states, dispatch_uid="tokens_state_reset")
os.register_at_fork(after_in_child=_reset_states)


# The hot path ---------------------------------------------------------------


def session_user_get(
    *, session_id: str, user_id: str, now: datetime | None = None
) -> Any:
    """
    Return the user of an access token's session, or None if the session is not
    valid (revoked, expired, unknown, or its user inactive or gone).
    """
    if not app_settings.CACHE_ALIAS:
        session = _valid_session(session_id, user_id, now)
        return session.user if session is not None else None
    state = get_state()
    at = now.timestamp() if now is not None else None
    seen = state.lookup(session_id, at)
    if seen.kind == UNLEASED and state.drain():
        seen = state.lookup(session_id, at)
    if seen.kind == REVOKED_SESSION:
        return None
    if seen.kind == VALID:
        return SessionUser(seen.user_pk) if seen.user_pk == user_id else None
    return _session_user_from_db(state, seen, session_id, user_id, now)


def _session_user_from_db(
    state: SessionState | RedisSessionState,
    seen: Lookup,
    session_id: str,
    user_id: str,
    now: datetime | None,
) -> Any:
    from tokens.models import Liveness

    live = Liveness.at(now)
    session = _valid_session(session_id, user_id, live)
    if session is None:
        return None
    until = _valid_until(session, live)
    if until <= time.time():
        return session.user  # too close to its end to be worth an entry
    state.fill(
        session_id,
        session.user_id,
        until,
        seen,
        # Annotated by _valid_session's query.
        outbox_empty=not session.outbox_pending,  # type: ignore[attr-defined]
    )
    return session.user


def _valid_session(
    session_id: str, user_id: str, live: Liveness | datetime | None
) -> Session | None:
    from tokens.models import Liveness, PendingTombstone, Session

    if not isinstance(live, Liveness):
        live = Liveness.at(live)
    session = (
        Session.objects.select_related("user")
        # Whether tombstones are pending, in the same query: a read that saw
        # none renews the lease like a drain (rule 4).
        .annotate(outbox_pending=Exists(PendingTombstone.objects.all()))
        .filter(live.q(), pk=session_id)
        .first()
    )
    if session is None or str(session.user_id) != user_id:
        return None
    return session


def _valid_until(session: Session, live: Liveness) -> float:
    """
    Return until when a "valid" entry may vouch for *session*, as a
    ``time.time()`` reading: CACHE_TTL at most, and never past the moment the
    session stops being live unless refreshed (its idle cutoff, its expiry).
    A refresh moves the cutoff; the entry then ends early and is read again.
    """
    ends = live.ends_at(session).timestamp()
    return min(ends, time.time() + app_settings.CACHE_TTL)


# The revocation write path ---------------------------------------------------


def sessions_mark_revoked(
    session_ids: Iterable[uuid.UUID | str], *, committed_at: float | None = None
) -> None:
    """
    Write tombstones for revoked sessions, after the revocation committed with
    their PendingTombstone rows; return once every process will refuse them.

    *committed_at* is a ``time.monotonic()`` reading taken after the commit.
    """
    from tokens.models import PendingTombstone

    committed_at = committed_at if committed_at is not None else time.monotonic()
    ids = [str(sid) for sid in session_ids]
    if not app_settings.CACHE_ALIAS or not ids:
        return
    state = get_state()
    since = committed_at
    if state.write_tombstones(ids):
        PendingTombstone.objects.filter(session_id__in=ids).delete()
        since = time.monotonic()
        if state.delivered():
            return
    else:
        logger.error(
            "revocation cache write failed for %d session(s); kept in the outbox",
            len(ids),
        )
    if isinstance(state, RedisSessionState):
        state.stats["waits"] += 1
        _sleep_until(since + state._lease_seconds())


def _sleep_until(moment: float) -> None:
    remaining = moment - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def sessions_forget(session_ids: Iterable[uuid.UUID | str]) -> None:
    """Drop cached answers so the database is asked again."""
    if app_settings.CACHE_ALIAS:
        get_state().forget([str(sid) for sid in session_ids])
