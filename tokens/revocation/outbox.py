"""
The tombstone outbox (rule 4 of docs/revocation.md): the only writer of
``PendingTombstone``.

A revocation's own transaction adds one row per session; the rows leave only
once their tombstones are in the cache. A tombstone the cache missed after
the commit is therefore never lost: the next process that trusts the cache
drains the outbox first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists

DRAIN_BATCH = 500


def add(session_ids: Iterable[Any]) -> None:
    """Keep tombstones to write for *session_ids*, in the caller's transaction."""
    from tokens.models import PendingTombstone

    PendingTombstone.objects.bulk_create(
        [PendingTombstone(session_id=sid) for sid in session_ids],
        ignore_conflicts=True,
    )


def pending(limit: int = DRAIN_BATCH) -> list[str]:
    """Up to *limit* sessions whose tombstones may not be in the cache yet."""
    from tokens.models import PendingTombstone

    rows = PendingTombstone.objects.values_list("session_id", flat=True)
    return [str(sid) for sid in rows[:limit]]


def delivered(session_ids: Iterable[str]) -> None:
    """Their tombstones are in the cache: the rows may go."""
    from tokens.models import PendingTombstone

    PendingTombstone.objects.filter(session_id__in=list(session_ids)).delete()


def any_pending() -> Exists:
    """An expression for "some tombstone is pending", to annotate a query with."""
    from tokens.models import PendingTombstone

    return Exists(PendingTombstone.objects.all())
