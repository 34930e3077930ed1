"""Revoke every session of a user from the command line."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tokens.models import RevocationReason
from tokens.services import user_sessions_revoke


class Command(BaseCommand):
    help = "Revoke all sessions (and so all tokens) of a user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", required=True, help="The user's primary key or USERNAME_FIELD."
        )
        parser.add_argument(
            "--reason",
            default=RevocationReason.ADMIN,
            choices=RevocationReason.values,
            help="Recorded on each session (default: admin).",
        )

    def handle(self, *args, user: str, reason: str, **options) -> None:
        target = self.find_user(user)
        count = user_sessions_revoke(user=target, reason=reason)
        self.stdout.write(
            self.style.SUCCESS(f"Revoked {count} session(s) of {target}.")
        )

    def find_user(self, ident: str):
        model = get_user_model()
        try:
            return model._default_manager.get_by_natural_key(ident)
        except model.DoesNotExist:
            pass
        if ident.isdigit() and len(ident) <= 18:
            user = model._default_manager.filter(pk=int(ident)).first()
            if user is not None:
                return user
        raise CommandError(f"No user matches {ident!r}.")
