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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
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
    queryset: QuerySet
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
        self, *args, batch_size: int, pause: float, dry_run: bool, **options
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
        for ids in keyset_batches(target.queryset, target.order_field, batch_size):
            with transaction.atomic(using=target.queryset.db):
                deleted = delete_batch(target.queryset.model, ids)
            progress.advance(deleted)
            if pause:
                time.sleep(pause)
        progress.finish()


def keyset_batches(queryset: QuerySet, order_field: str, size: int):
    """Yield lists of at most *size* primary keys, walking (order_field, pk)."""
    ordered = queryset.order_by(order_field, "pk").values_list(order_field, "pk")
    after: tuple[Any, Any] | None = None
    while True:
        page = ordered
        if after is not None:
            last_value, last_pk = after
            page = page.filter(
                Q(**{f"{order_field}__gt": last_value})
                | Q(**{order_field: last_value, "pk__gt": last_pk})
            )
        rows = list(page[:size])
        if not rows:
            return
        after = rows[-1]
        yield [pk for _, pk in rows]


def delete_batch(model: type, ids: list) -> int:
    """Delete the rows *ids* of *model* (a session's records go with it)."""
    # QuerySet.delete() is Django's public API: records have no dependants, so
    # it is one DELETE; for sessions it reads the ids back and deletes their
    # records first (and would honour any model that comes to refer to them).
    deleted, per_model = model.objects.filter(pk__in=ids).only("pk").delete()
    return per_model.get(model._meta.label, 0)


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
