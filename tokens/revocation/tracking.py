"""
The tracking connection and the local copy it keeps current (rule 6 of
docs/revocation.md).

Each process holds one RESP3 connection with ``CLIENT TRACKING ON`` through
which it reads the revocation keys, and keeps what it read in a bounded LRU.
Redis queues an ``invalidate`` push on this connection while it executes a
write of a key the connection read; before the process trusts its copy it
reads every pending push without blocking and drops what they name. It
trusts the copy only while it holds a local copy of the lease. A broken or
replaced connection drops the copy: what the old one would have said is lost.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.conf import settings
from django.utils.module_loading import import_string

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    REDIS_ERRORS: tuple[type[Exception], ...] = (redis.RedisError, OSError)
    # A connection closed under us, as opposed to one that timed out.
    ClosedConnection: type[Exception] = redis.ConnectionError
except ImportError:  # redis-py is needed only when Redis is the cache
    redis = None  # type: ignore[assignment]
    REDIS_ERRORS = (OSError,)
    ClosedConnection = OSError

from tokens.app_settings import app_settings
from tokens.revocation.keys import ok_key, rev_key

logger = logging.getLogger(__name__)

RETRY_AFTER = 0.5  # seconds without Redis after an error

Entry = tuple[bool, bytes | None]  # (tombstone present, "valid" entry's value)


def redis_url(location: Any) -> str:
    if isinstance(location, list | tuple):
        return cast(str, location[0])
    return cast(str, location.split(",")[0])


def info_field(raw: Any, name: bytes) -> bytes:
    text = raw if isinstance(raw, bytes) else str(raw).encode()
    for line in text.splitlines():
        if line.startswith(name + b":"):
            return line.split(b":", 1)[1].strip()
    return b""


class LocalCopy:
    """
    What this process read of the revocation keys, by session, bounded to
    CACHE_LOCAL_ENTRIES sessions, with the epoch and the lease it read along.
    """

    def __init__(self, make_key: Callable[[str], str]) -> None:
        self.make_key = make_key
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.owner: dict[bytes, str] = {}  # tracked key -> its session
        self.epoch: bytes | None = None
        self.lease_until = 0.0  # monotonic; never later than Redis's own expiry

    def __iter__(self) -> Iterator[str]:
        """The sessions held, least recently used first."""
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def leased(self) -> bool:
        return time.monotonic() < self.lease_until

    def get(self, session_id: str) -> Entry | None:
        entry = self.entries.get(session_id)
        if entry is not None:
            self.entries.move_to_end(session_id)
        return entry

    def remember(self, session_id: str, entry: Entry) -> None:
        limit = app_settings.CACHE_LOCAL_ENTRIES
        if limit <= 0:
            return
        self.forget(session_id)
        self.entries[session_id] = entry
        self.owner[self.make_key(rev_key(session_id)).encode()] = session_id
        self.owner[self.make_key(ok_key(session_id)).encode()] = session_id
        while len(self.entries) > limit:
            self.forget(next(iter(self.entries)))

    def forget(self, session_id: str | None) -> None:
        if session_id is None or self.entries.pop(session_id, None) is None:
            return
        self.owner.pop(self.make_key(rev_key(session_id)).encode(), None)
        self.owner.pop(self.make_key(ok_key(session_id)).encode(), None)

    def forget_key(self, key: bytes) -> None:
        self.forget(self.owner.get(key))

    def clear(self) -> None:
        self.entries.clear()
        self.owner.clear()
        self.epoch = None
        self.lease_until = 0.0


class TrackingConnection:
    """
    One connection to the cache's Redis, with tracking on, that learns the
    server's lifetime (rule 2) every time it connects.

    *on_connect* runs after every (re)connection, *on_invalidate* for every
    push; both are the owner's, which holds the lock around every call here.
    """

    def __init__(
        self,
        alias: str,
        on_connect: Callable[[], None],
        on_invalidate: Callable[[list[Any]], None],
    ) -> None:
        self.on_connect = on_connect
        self.on_invalidate = on_invalidate
        self.server_id: bytes | None = None
        self.client_id: int | None = None
        self.retry_at = 0.0
        self.conn = self._connection(settings.CACHES[alias])

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
            redis_connect_func=self._connected,
        )
        if isinstance(pool_class, str):
            pool_class = import_string(pool_class)
        pool = pool_class.from_url(redis_url(conf["LOCATION"]), **options)
        return pool.make_connection()

    def _connected(self, conn: Any) -> None:
        # A new connection: whatever was read through the old one may have
        # changed unseen, and the server may be another one.
        conn.on_connect()
        conn._parser.set_invalidation_push_handler(self.on_invalidate)
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
        self.client_id = int(client_id)
        self.server_id = (
            info_field(server, b"run_id")
            + b"."
            + info_field(replication, b"master_replid")
        )
        self.on_connect()

    def resting(self) -> bool:
        """Whether Redis is left alone after an error (RETRY_AFTER)."""
        return time.monotonic() < self.retry_at

    def fail(self, exc: Exception) -> None:
        logger.warning("revocation cache unreachable (%s); using the database", exc)
        self.conn.disconnect()
        self.retry_at = time.monotonic() + RETRY_AFTER

    def disconnect(self) -> None:
        self.conn.disconnect()

    def read_pushes(self) -> None:
        """Apply every invalidation already received, without blocking."""
        conn = self.conn
        while conn.can_read(timeout=0):
            try:
                conn.read_response(
                    push_request=True, timeout=0, disconnect_on_error=False
                )
            except redis.TimeoutError:
                # Part of a push is in: the rest is on its way, wait for it.
                conn.read_response(push_request=True)

    def call(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Send *commands* in one round trip; return their replies in order."""
        conn = self.conn
        conn.send_packed_command(conn.pack_commands(commands))
        return [conn.read_response() for _ in commands]

    def tracking_clients_drained(self) -> bool:
        """
        Whether no other tracking connection waits for its socket to drain
        (``events=rw``: Redis installs a write handler only for output it could
        not write at once), i.e. every invalidation queued before our last
        write has been handed to the kernel.
        """
        try:
            (listing,) = self.call(("CLIENT", "LIST", "TYPE", "normal"))
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
