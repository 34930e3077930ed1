"""
The revocation write path: after the commit, tell every process.

A revoker writes the tombstones, clears their outbox rows and answers once
every process will refuse the sessions (rules 4 and 6 of docs/revocation.md):
at once if every tracking connection has been handed its invalidation, else
after CACHE_LEASE, when every local lease taken before the write has expired.
A tombstone write that failed leaves the rows for the next drain, and the
revoker answers no earlier than CACHE_LEASE after its commit.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable

from tokens.app_settings import app_settings
from tokens.revocation import outbox
from tokens.revocation.redis_backend import RedisRevocationState
from tokens.revocation.registry import get_state

logger = logging.getLogger(__name__)


def sessions_mark_revoked(
    session_ids: Iterable[uuid.UUID | str], *, committed_at: float | None = None
) -> None:
    """
    Write tombstones for revoked sessions, after the revocation committed with
    their outbox rows; return once every process will refuse them.

    *committed_at* is a ``time.monotonic()`` reading taken after the commit.
    """
    committed_at = committed_at if committed_at is not None else time.monotonic()
    ids = [str(sid) for sid in session_ids]
    if not app_settings.CACHE_ALIAS or not ids:
        return
    state = get_state()
    since = committed_at
    if state.write_tombstones(ids):
        outbox.delivered(ids)
        since = time.monotonic()
        if state.delivered():
            return
    else:
        logger.error(
            "revocation cache write failed for %d session(s); kept in the outbox",
            len(ids),
        )
    if isinstance(state, RedisRevocationState):
        state.stats["waits"] += 1
        _sleep_until(since + state.lease_seconds())


def _sleep_until(moment: float) -> None:
    remaining = moment - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def sessions_forget(session_ids: Iterable[uuid.UUID | str]) -> None:
    """Drop cached answers so the database is asked again."""
    if app_settings.CACHE_ALIAS:
        get_state().forget([str(sid) for sid in session_ids])
