"""
What every revocation state answers, whatever cache it keeps its answers in.

A lookup never raises: a cache error is a miss and the database answers
(rule 5 of docs/revocation.md). The outcome says what the caller does next.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Outcome(StrEnum):
    """What the cache said about one session."""

    MISS = "miss"  # nothing to trust: ask the database
    VALID = "valid"  # a "valid" entry, under a lease: the session is live
    REVOKED = "revoked"  # a tombstone: refuse
    UNLEASED = "unleased"  # a "valid" entry but no lease: drain, then ask again


@dataclass
class Lookup:
    """What the cache said about one session, and what a writer needs after."""

    kind: Outcome
    user_pk: str | None = None
    server_id: bytes | None = None
    epoch: bytes | None = None
    t0_ms: int | None = None  # Redis TIME taken before the database query
    sent_at: float = 0.0  # local monotonic time the read was sent
    lease: bool = False


NO_CACHE = Lookup(Outcome.MISS)


def vouches_at(until_ms: Any, at: float | None) -> bool:
    """Whether a "valid" entry trusted until *until_ms* still vouches at *at*."""
    now = time.time() if at is None else at
    return type(until_ms) is int and now * 1000 < until_ms


class RevocationState(Protocol):
    """One process's view of which sessions are valid, kept in a cache."""

    def lookup(self, session_id: str, at: float | None = None) -> Lookup:
        """What the cache says about *session_id* at *at* (``time.time()``)."""

    def fill(
        self,
        session_id: str,
        user_pk: Any,
        until: float,
        seen: Lookup,
        outbox_empty: bool = False,
    ) -> None:
        """Write a "valid" entry from a database read made after *seen*."""

    def drain(self) -> bool:
        """Write every pending tombstone and renew the lease; False if it could not."""

    def write_tombstones(self, session_ids: list[str]) -> bool:
        """Write tombstones for *session_ids*; False if the cache refused."""

    def delivered(self) -> bool:
        """Whether every process has been handed the invalidations of our writes."""

    def forget(self, session_ids: Iterable[str]) -> None:
        """Drop the "valid" entries of *session_ids*, so the database answers."""
