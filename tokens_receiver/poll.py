"""
RFC 8936 poll delivery: a thread that asks the transmitter for SETs.

Each request acknowledges the SETs applied since the last one and reports
those refused (``setErrs``): the transmitter hands a SET out again until it
is acknowledged, so one lost answer costs a duplicate, which ``apply``
ignores, never an event. While ``moreAvailable`` the next request goes at
once; otherwise after ``interval`` seconds, and after an error with an
exponential back-off up to ``max_backoff``.

"Heard" is the moment a request was sent whose answer left nothing behind:
no ``moreAvailable``, and every SET in it applied or refused for good. An
answer cut short, or a SET whose keys could not be fetched, proves nothing
about what was queued at that moment. With no such answer for
``max_staleness`` the revocation set goes stale and every token is refused.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from tokens_receiver import transport
from tokens_receiver.errors import SetError, SetUnavailable
from tokens_receiver.revocations import RevocationSet
from tokens_receiver.sets import SetProcessor

logger = logging.getLogger("tokens_receiver")


class PollError(Exception):
    """The poll endpoint could not be asked or gave no usable answer."""


class Poller(threading.Thread):
    """Poll *poll_url* for SETs and apply them, until stopped."""

    def __init__(
        self,
        poll_url: str,
        client_id: str,
        client_secret: str,
        processor: SetProcessor,
        revocations: RevocationSet,
        *,
        interval: float = 5.0,
        max_events: int = 100,
        max_backoff: float = 60.0,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(name="tokens-receiver-poller", daemon=True)
        self.url = transport.check_url(poll_url)
        self._authorization = transport.basic_auth(client_id, client_secret)
        self.processor = processor
        self.revocations = revocations
        self.interval = interval
        self.max_events = max_events
        self.max_backoff = max_backoff
        self.timeout = timeout
        self._acks: list[str] = []
        self._errors: dict[str, dict[str, str]] = {}
        self._stopped = threading.Event()

    def poll_once(self) -> bool:
        """Send one request; return whether more SETs are available now."""
        body: dict[str, Any] = {
            "maxEvents": self.max_events,
            "returnImmediately": True,
            "ack": self._acks,
        }
        if self._errors:
            body["setErrs"] = self._errors
        asked_at = self.revocations.now()
        try:
            answer = transport.post_json(
                self.url, body, authorization=self._authorization, timeout=self.timeout
            )
        except transport.TransportError as exc:
            raise PollError(str(exc)) from exc
        if answer.status != 200:
            raise PollError(f"the poll endpoint answered HTTP {answer.status}")
        try:
            reply = answer.json()
        except transport.TransportError as exc:
            raise PollError(str(exc)) from exc
        sets = reply.get("sets") if isinstance(reply, dict) else None
        if not isinstance(sets, dict):
            raise PollError("the poll answer has no 'sets' object")
        # The transmitter has these acks and errors now: never send them twice.
        self._acks, self._errors = [], {}
        complete = self._apply(sets)
        more = reply.get("moreAvailable") is True
        if complete and not more:
            self.revocations.heard(asked_at)
        return more

    def _apply(self, sets: dict[Any, Any]) -> bool:
        """Apply each SET; return whether none is left to be delivered again."""
        complete = True
        for jti, token in sets.items():
            if not isinstance(token, str):
                self._errors[str(jti)] = {
                    "err": "invalid_request",
                    "description": "the SET is not a compact JWS",
                }
                continue
            try:
                self.processor.process(token)
            except SetError as exc:
                logger.warning("polled SET refused: %s", exc)
                self._errors[str(jti)] = exc.as_dict()
            except SetUnavailable:
                logger.warning("polled SET not checked: the JWKS is unavailable")
                complete = False
            else:
                self._acks.append(str(jti))
        return complete

    def run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            try:
                more = self.poll_once()
            except PollError as exc:
                failures += 1
                logger.warning("poll failed (%d in a row): %s", failures, exc)
                delay = min(self.interval * 2 ** min(failures, 16), self.max_backoff)
            except Exception:
                failures += 1
                logger.exception("poll crashed")
                delay = self.max_backoff
            else:
                failures = 0
                delay = 0.0 if more else self.interval
            self._stopped.wait(delay)

    def stop(self) -> None:
        self._stopped.set()
