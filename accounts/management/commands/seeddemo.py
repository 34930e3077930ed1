"""Fill a development database with demo accounts, each signed in on a few devices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from tokens import services
from tokens.models import RevocationReason, Session

DEVICES = [
    (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "203.0.113.7",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "198.51.100.23",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
        "2001:db8:85a3::8a2e:370:7334",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.5 Safari/605.1.15",
        "192.0.2.44",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
        "198.51.100.9",
    ),
    ("curl/8.14.1", "127.0.0.1"),
]
DEFAULT_PASSWORD = "demo passphrase 2026"


class Command(BaseCommand):
    help = (
        "Create demo accounts (demo01@example.com, ...) with sessions on several "
        "devices. Running it again creates only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", type=int, default=30, help="How many accounts (default 30)."
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"The password of every demo account (default {DEFAULT_PASSWORD!r}).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off: the accounts share a known password.",
        )

    def handle(self, *args: Any, users: int, password: str, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: demo accounts share a known password. "
                "Use --force if this database really is for a demo."
            )
        if users < 1:
            raise CommandError("--users must be at least 1.")
        created = sessions = 0
        for number in range(1, users + 1):
            with transaction.atomic():
                user, new = self.demo_user(number, password)
                created += new
                sessions += self.demo_sessions(user, number)
        self.report(users, created, sessions, password, options["verbosity"])

    def demo_user(self, number: int, password: str) -> tuple[User, bool]:
        """Return demo account *number*, created (verified) if it was missing."""
        email = f"demo{number:02d}@example.com"
        user = User.objects.filter(email=email).first()
        if user is not None:
            return user, False
        user = User.objects.create_user(
            email, password, display_name=f"Demo {number}", email_verified=True
        )
        return user, True

    def demo_sessions(self, user: User, number: int) -> int:
        """Sign *user* in on 3 to 6 devices, once; return how many sessions started."""
        if Session.objects.filter(user=user).exists():
            return 0
        count = 3 + number % 4
        for index in range(count):
            user_agent, ip_address = DEVICES[(number + index) % len(DEVICES)]
            pair = services.session_create(
                user=user, user_agent=user_agent, ip_address=ip_address
            )
            # Some ended sessions, so that the lists show every state.
            if index == count - 1 and number % 3 == 0:
                services.session_revoke(
                    session=pair.session, reason=RevocationReason.LOGOUT
                )
        return count

    def report(
        self, users: int, created: int, sessions: int, password: str, verbosity: int
    ) -> None:
        if verbosity < 1:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} demo accounts created, {sessions} sessions started."
            )
        )
        self.stdout.write(f"Sign in with any of these, password {password!r}:")
        for number in range(1, users + 1):
            self.stdout.write(f"  demo{number:02d}@example.com")
