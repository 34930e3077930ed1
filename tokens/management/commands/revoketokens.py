"""Revoke every session of a user from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tokens.models import NOTE_MAX_LENGTH, RevocationReason
from tokens.services import user_sessions_revoke

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


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
        parser.add_argument(
            "--note",
            default="",
            help="Free text recorded on each session with the reason, e.g. a "
            f"ticket number (at most {NOTE_MAX_LENGTH} characters).",
        )

    def handle(
        self, *args: Any, user: str, reason: str, note: str, **options: Any
    ) -> None:
        note = note.strip()
        if len(note) > NOTE_MAX_LENGTH:
            raise CommandError(f"--note is longer than {NOTE_MAX_LENGTH} characters.")
        target = self.find_user(user)
        count = user_sessions_revoke(user=target, reason=reason, note=note)
        if options["verbosity"] >= 1:
            sessions = "session" if count == 1 else "sessions"
            message = f"Revoked {count} {sessions} of {target}."
            self.stdout.write(self.style.SUCCESS(message))

    def find_user(self, ident: str) -> AbstractBaseUser:
        model = get_user_model()
        try:
            return model._default_manager.get_by_natural_key(ident)
        except model.DoesNotExist:
            pass
        if ident.isdigit() and len(ident) <= 18:
            user: AbstractBaseUser | None = model._default_manager.filter(
                pk=int(ident)
            ).first()
            if user is not None:
                return user
        raise CommandError(f"No user matches {ident!r}.")
