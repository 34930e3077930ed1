"""
Delete what can no longer be used, in batches, keeping revoked sessions for audit.

Deleted: refresh-token records past their expiry; sessions past their absolute
expiry that were never revoked; revoked sessions older than REVOKED_RETENTION
(their records go with them). Each batch is its own short transaction, so the
command can run while traffic flows.

Batches walk an index in order, each starting where the last one ended
(keyset pagination): a batch never rescans the rows the previous batches
deleted, which stay in the index until VACUUM, so batch N costs what batch 1
did. Only rows that nobody can use any more are touched, so no request waits
on a lock the command holds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tokens.app_settings import app_settings
from tokens.models import RefreshTokenRecord, Session

# A session ended by expiry has no access token left alive (the tokens never
# outlive the session, see AccessToken.for_session); the margin covers clocks.
CLOCK_MARGIN = timedelta(seconds=60)
# At the default verbosity, a progress line at most this often (seconds).
PROGRESS_EVERY = 5.0


@dataclass(frozen=True)
class Target:
    """What to delete: a queryset and the indexed column its batches walk."""

    label: str
    queryset: QuerySet[Any]
    order_field: str


class Command(BaseCommand):
    help = (
        "Delete expired refresh-token records and sessions, and revoked sessions "
        "past REVOKED_RETENTION, in batches of short transactions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows deleted per transaction (default: 1000). Smaller batches "
            "hold their locks for less time.",
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            help="Seconds to sleep between batches, leaving the database to live "
            "traffic (default: 0).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted; delete nothing.",
        )

    def handle(
        self, *args: Any, batch_size: int, pause: float, dry_run: bool, **options: Any
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if pause < 0:
            raise CommandError("--pause cannot be negative")
        self.verbosity = options["verbosity"]
        for target in self.targets(timezone.now()):
            if dry_run:
                count = target.queryset.count()
                self.stdout.write(f"{target.label}: {count} would be deleted")
                continue
            self.flush(target, batch_size, pause)

    def targets(self, now: datetime) -> list[Target]:
        retention_cutoff = now - app_settings.REVOKED_RETENTION
        return [
            Target(
                "refresh tokens",
                RefreshTokenRecord.objects.flushable(now - CLOCK_MARGIN),
                "expires_at",
            ),
            Target(
                "expired sessions",
                Session.objects.flushable_expired(now - CLOCK_MARGIN),
                "expires_at",
            ),
            Target(
                "revoked sessions past retention",
                Session.objects.flushable_revoked(retention_cutoff),
                "revoked_at",
            ),
        ]

    def flush(self, target: Target, batch_size: int, pause: float) -> None:
        total = target.queryset.count() if self.verbosity >= 1 else None
        progress = Progress(self, target.label, total)
        for batch in keyset_batches(target.queryset, target.order_field, batch_size):
            with transaction.atomic(using=batch.db):
                relax_durability(batch.db)
                deleted = delete_batch(batch)
            progress.advance(deleted)
            if pause:
                time.sleep(pause)
        progress.finish()


def keyset_batches(
    queryset: QuerySet[Any], order_field: str, size: int
) -> Iterator[QuerySet[Any]]:
    """
    Yield *queryset* cut into consecutive ranges of (order_field, pk) of at most
    *size* rows each, as querysets bounded by their first and last key.
    """
    after: tuple[Any, Any] | None = None
    while True:
        rest = queryset if after is None else queryset.filter(_past(order_field, after))
        keys = rest.order_by(order_field, "pk").values_list(order_field, "pk")
        found = list(keys[size - 1 : size])
        if not found:
            # Fewer than a batch left: the filter is fixed at the start (a
            # cutoff in the past), so no row can join the set meanwhile.
            if rest.exists():
                yield rest
            return
        (bound,) = found
        yield rest.exclude(_past(order_field, bound))
        after = bound


def _past(order_field: str, key: tuple[Any, Any]) -> Q:
    """Rows that come after *key* in (order_field, pk) order."""
    value, pk = key
    return Q(**{f"{order_field}__gt": value}) | Q(**{order_field: value, "pk__gt": pk})


def relax_durability(using: str) -> None:
    """
    Let PostgreSQL commit this transaction without waiting for its WAL flush.

    A batch's flush would queue the commits of live requests behind it; a
    batch lost in a crash is deleted again by the next run.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def delete_batch(batch: QuerySet[Any]) -> int:
    """Delete the rows of *batch* (a session's records first); return how many."""
    # QuerySet.delete() would read every id back and delete the sessions 100 at
    # a time by id lists (a dozen statements a batch, five times the database
    # time); a range is two. _raw_delete is Django's own fast path for this,
    # a private API: tests/tokens/test_commands.py fences what it skips (no
    # relation to Session but its records, no signals of these models).
    if batch.model is Session:
        records = RefreshTokenRecord.objects.filter(session__in=batch.values("pk"))
        records._raw_delete(batch.db)
    return batch._raw_delete(batch.db)


class Progress:
    """Progress lines with a total and a rate; silent at verbosity 0."""

    def __init__(self, command: Command, label: str, total: int | None) -> None:
        self.command, self.label, self.total = command, label, total
        self.done = 0
        self.started = self.reported = time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        verbosity = self.command.verbosity
        if verbosity >= 2 or (verbosity == 1 and now - self.reported >= PROGRESS_EVERY):
            self.reported = now
            self.command.stdout.write(f"  {self.label}: {self.line(now)}")

    def line(self, now: float) -> str:
        rate = self.done / max(now - self.started, 1e-6)
        done = f"{self.done:,}"
        if self.total:
            done += f" of {self.total:,} ({100 * self.done / self.total:.0f}%)"
        return f"{done} deleted so far, {rate:,.0f} rows/s"

    def finish(self) -> None:
        if self.command.verbosity < 1:
            return
        elapsed = time.monotonic() - self.started
        message = f"{self.label}: {self.done} deleted in {elapsed:.1f} s"
        self.command.stdout.write(self.command.style.SUCCESS(message))
