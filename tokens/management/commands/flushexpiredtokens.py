"""
Delete what can no longer be used, in batches, keeping revoked sessions for audit.

Deleted: refresh-token records past their expiry; sessions past their absolute
expiry that were never revoked; revoked sessions older than REVOKED_RETENTION
(their records go with them). Each batch is its own short transaction, so the
command can run while traffic flows.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tokens.app_settings import app_settings
from tokens.models import RefreshTokenRecord, Session


class Command(BaseCommand):
    help = "Delete expired refresh-token records and sessions, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            help="Seconds to sleep between batches, leaving the database to live "
            "traffic (default: 0).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted."
        )

    def handle(
        self, *args, batch_size: int, pause: float, dry_run: bool, **options
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if pause < 0:
            raise CommandError("--pause cannot be negative")
        self.pause = pause
        now = timezone.now()
        for label, queryset in self.targets(now).items():
            if dry_run:
                self.stdout.write(f"{label}: {queryset.count()} would be deleted")
                continue
            total = self.delete_in_batches(label, queryset, batch_size)
            self.stdout.write(self.style.SUCCESS(f"{label}: {total} deleted"))

    def targets(self, now) -> dict[str, QuerySet]:
        retention_cutoff = now - app_settings.REVOKED_RETENTION
        # A session ended by expiry has no access token left alive: the tokens
        # never outlive the session (see AccessToken.for_session).
        grace = timedelta(seconds=60)
        return {
            "refresh tokens": RefreshTokenRecord.objects.expired(now - grace).filter(
                session__revoked_at__isnull=True
            ),
            "expired sessions": Session.objects.unrevoked().filter(
                expires_at__lte=now - grace
            ),
            "revoked sessions past retention": Session.objects.revoked().filter(
                revoked_at__lte=retention_cutoff
            ),
        }

    def delete_in_batches(self, label: str, queryset: QuerySet, batch_size: int) -> int:
        total = 0
        while True:
            ids = list(queryset.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            with transaction.atomic():
                total += self.delete_batch(queryset.model, ids)
            self.stdout.write(f"  {label}: {total} deleted so far")
            time.sleep(self.pause)

    def delete_batch(self, model, ids: list) -> int:
        if model is Session:
            RefreshTokenRecord.objects.filter(session_id__in=ids)._raw_delete(
                RefreshTokenRecord.objects.db
            )
        return model.objects.filter(pk__in=ids)._raw_delete(model.objects.db)
