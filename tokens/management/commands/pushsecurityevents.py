"""
``manage.py pushsecurityevents``: deliver security events to push receivers.

Runs until stopped, beside the web workers (one or more: streams are shared
out by row locks). It wakes on PostgreSQL's ``NOTIFY`` as soon as a
revocation commits, and otherwise every ``--interval`` seconds and when a
retry is due. A database or receiver that is down is waited out: the events
stay in the outbox and go when both are back.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection, connections

from tokens.ssf.delivery import deliver_due, next_wake
from tokens.ssf.emit import CHANNEL

logger = logging.getLogger("tokens.ssf.delivery")


class Command(BaseCommand):
    help = "Deliver security events to push receivers (RFC 8935) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="One pass, then exit (for cron)."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between passes when nothing wakes the worker (default 1).",
        )

    def handle(
        self, *args: Any, once: bool = False, interval: float = 1.0, **options: Any
    ) -> None:
        if once:
            sent = deliver_due()
            self.stdout.write(f"{sent} event(s) delivered")
            return
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        listener = None
        while self.running:
            try:
                listener = listener or self._listen()
                deliver_due()
                self._wait(listener, next_wake(interval))
            except DatabaseError as exc:
                logger.warning("security events: database unavailable (%s)", exc)
                self._close(listener)
                listener = None
                connections.close_all()
                time.sleep(interval)

    def _stop(self, *args: Any) -> None:
        self.running = False

    def _listen(self) -> Any:
        """A connection of its own that hears NOTIFY (PostgreSQL only)."""
        if connection.vendor != "postgresql":
            return None
        raw = connection.get_new_connection(connection.get_connection_params())
        raw.autocommit = True
        raw.execute(f"LISTEN {CHANNEL}")
        return raw

    def _wait(self, listener: Any, seconds: float) -> None:
        if listener is None:
            time.sleep(seconds)
            return
        try:
            for _ in listener.notifies(timeout=seconds, stop_after=1):
                break
        except Exception as exc:  # the listener's own connection broke
            raise DatabaseError(str(exc)) from exc

    def _close(self, listener: Any) -> None:
        if listener is not None:
            with contextlib.suppress(Exception):
                listener.close()
