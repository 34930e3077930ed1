"""
What the receiver knows: revoked sessions, applied SETs, and how recent that is.

The set is the only state the receiver keeps, in memory, shared by the
request threads that read it and the one thread (push handler or poller) that
writes it, hence one lock. A revoked session is remembered for
``max_token_lifetime``: every access token of it has expired by then, so
forgetting it later cannot let one through.

Knowledge is only as good as its age. ``heard(at)`` records that every event
the transmitter had queued at the moment *at* has been applied (a poll answer
with nothing more available, or the verification SET answering a question
asked at *at*). ``fresh()`` is whether that moment is younger than
``max_staleness`` and the stream is enabled; when it is not, the verifier
refuses every token rather than trust what may be out of date.

Memory is lost with the process, and SETs applied before a restart are not
delivered again. ``known_since`` is the wall-clock time from which the set
misses no revocation (its creation, or when a disabled stream came back):
a token issued before it may belong to a session revoked before it, so the
verifier refuses such tokens (or asks introspection) instead of accepting them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

STREAM_STATUSES = frozenset({"enabled", "paused", "disabled"})


def canonical_sid(value: str) -> str:
    """Spell a session id one way, so ``ABC...`` and ``abc...`` are one session."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


class _Expiring:
    """Keys remembered for a fixed time; the oldest are dropped as they expire."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        # Insertion order is expiry order: one lifetime, a monotonic clock.
        self._until: OrderedDict[str, float] = OrderedDict()

    def add(self, key: str, now: float) -> bool:
        """Remember *key*; return whether it was new."""
        self._prune(now)
        new = key not in self._until
        self._until[key] = now + self.lifetime
        self._until.move_to_end(key)
        return new

    def has(self, key: str, now: float) -> bool:
        until = self._until.get(key)
        return until is not None and until > now

    def __len__(self) -> int:
        return len(self._until)

    def _prune(self, now: float) -> None:
        while self._until:
            key, until = next(iter(self._until.items()))
            if until > now:
                return
            del self._until[key]


class RevocationSet:
    """Thread-safe revoked sessions, applied SET ids and freshness."""

    def __init__(
        self,
        *,
        max_staleness: float = 30.0,
        max_token_lifetime: float = 86400.0,
        known_since: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        max_states: int = 32,
    ) -> None:
        if max_staleness <= 0 or max_token_lifetime <= 0:
            raise ValueError("max_staleness and max_token_lifetime must be positive")
        self.max_staleness = max_staleness
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._sids = _Expiring(max_token_lifetime)
        self._sets = _Expiring(max_token_lifetime)
        self._states: OrderedDict[str, float] = OrderedDict()
        self._max_states = max_states
        self._heard: float | None = None
        self._status = "enabled"
        self._lost_events = False
        self._known_since = wall_clock() if known_since is None else known_since

    def now(self) -> float:
        """The clock ``heard`` and ``expect`` take their moments from."""
        return self._clock()

    # Sessions and SETs.

    def revoke(self, sid: str) -> None:
        with self._lock:
            self._sids.add(canonical_sid(sid), self._clock())

    def is_revoked(self, sid: str) -> bool:
        with self._lock:
            return self._sids.has(canonical_sid(sid), self._clock())

    def first_time(self, jti: str) -> bool:
        """Record that the SET *jti* is applied; False if it already was."""
        with self._lock:
            return self._sets.add(jti, self._clock())

    @property
    def revoked_count(self) -> int:
        with self._lock:
            return len(self._sids)

    # Freshness.

    def heard(self, at: float | None = None) -> None:
        """Every event queued at the moment *at* (default: now) is applied."""
        with self._lock:
            moment = self._clock() if at is None else at
            if self._heard is None or moment > self._heard:
                self._heard = moment

    def fresh(self) -> bool:
        """Whether what the set knows may be trusted to accept a token."""
        with self._lock:
            return (
                self._status == "enabled"
                and self._heard is not None
                and self._clock() - self._heard <= self.max_staleness
            )

    @property
    def last_heard(self) -> float | None:
        with self._lock:
            return self._heard

    @property
    def known_since(self) -> float:
        """Wall-clock seconds from which no revocation has been missed."""
        with self._lock:
            return self._known_since

    def expect(self, state: str, at: float) -> None:
        """Remember that a verification carrying *state* was asked for at *at*."""
        with self._lock:
            self._states[state] = at
            while len(self._states) > self._max_states:
                self._states.popitem(last=False)

    def confirm(self, state: str) -> bool:
        """
        A verification SET carrying *state* arrived: mark heard at its asking.

        Only a state this receiver asked for counts: one it did not ask for
        (another process's, or an old one replayed) proves nothing about now.
        """
        with self._lock:
            at = self._states.pop(state, None)
            if at is None:
                return False
            if self._heard is None or at > self._heard:
                self._heard = at
            return True

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    def set_status(self, status: str) -> None:
        """
        Follow the stream's status. A disabled stream drops events: once it is
        enabled again, tokens issued before that moment may belong to a session
        whose revocation was dropped, so ``known_since`` moves to it.
        """
        if status not in STREAM_STATUSES:
            raise ValueError(f"unknown stream status {status!r}")
        with self._lock:
            if status == "disabled":
                self._lost_events = True
            elif status == "enabled" and self._lost_events:
                self._lost_events = False
                self._known_since = self._wall_clock()
            self._status = status
