"""
RFC 8935 push delivery, without a web framework: the adapters call
``PushEndpoint.handle_push`` with the request's body and two headers.

Answers: 202 (empty) once the SET is verified and applied, or was already;
400 with ``{"err", "description"}`` for a SET that will never be acceptable
(the transmitter does not retry it); 401/403 when the ``Authorization``
header the stream was configured with is missing or wrong, and 503 when the
keys cannot be fetched: both make the transmitter retry, so no SET is lost
to a misconfiguration or an outage.

``Heartbeat`` keeps push mode fresh: every ``interval`` seconds it asks the
transmitter for a verification SET carrying a new random ``state``. The
stream is delivered in order, so when that SET arrives every event queued
before the question has been applied; the moment of asking is then "heard".
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading

from tokens_receiver import transport
from tokens_receiver.errors import SetError, SetUnavailable
from tokens_receiver.revocations import RevocationSet
from tokens_receiver.sets import SetProcessor

logger = logging.getLogger("tokens_receiver")

SET_MEDIA_TYPE = "application/secevent+jwt"
MAX_SET_BYTES = 64 * 1024

Headers = list[tuple[str, str]]
Response = tuple[int, Headers, bytes]


def _json(status: int, err: str, description: str, *extra: tuple[str, str]) -> Response:
    body = json.dumps({"err": err, "description": description}).encode()
    return status, [("Content-Type", "application/json"), *extra], body


class PushEndpoint:
    """Receive pushed SETs for *processor*."""

    def __init__(
        self, processor: SetProcessor, authorization: str | None = None
    ) -> None:
        """*authorization*: the exact ``Authorization`` value the stream sends."""
        self.processor = processor
        self.authorization = authorization

    def handle_push(
        self, body: bytes, content_type: str, authorization: str | None
    ) -> Response:
        """Return ``(status, headers, body)`` for one push request."""
        if self.authorization is not None:
            if not authorization:
                return _json(
                    401,
                    "authentication_failed",
                    "this endpoint needs an Authorization header",
                    ("WWW-Authenticate", 'Bearer realm="ssf-push"'),
                )
            if not hmac.compare_digest(
                authorization.encode(), self.authorization.encode()
            ):
                return _json(403, "access_denied", "the Authorization is not accepted")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type != SET_MEDIA_TYPE:
            return _json(
                400, "invalid_request", f"the content type must be {SET_MEDIA_TYPE}"
            )
        if len(body) > MAX_SET_BYTES:
            return _json(400, "invalid_request", "the SET is too large")
        try:
            token = body.decode("ascii").strip()
            applied = self.processor.process(token)
        except UnicodeDecodeError:
            return _json(400, "invalid_request", "the SET is not a compact JWS")
        except SetError as exc:
            logger.warning("pushed SET refused: %s", exc)
            return _json(400, exc.err, exc.description)
        except SetUnavailable:
            logger.warning("pushed SET not checked: the JWKS could not be fetched")
            return 503, [("Retry-After", "5")], b""
        if not applied:
            logger.debug("pushed SET already applied")
        return 202, [], b""


class Heartbeat(threading.Thread):
    """Ask for a verification SET every *interval* seconds, until stopped."""

    def __init__(
        self,
        verification_url: str,
        stream_id: str,
        client_id: str,
        client_secret: str,
        revocations: RevocationSet,
        *,
        interval: float = 10.0,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(name="tokens-receiver-heartbeat", daemon=True)
        self.url = transport.check_url(verification_url)
        self.stream_id = stream_id
        self._authorization = transport.basic_auth(client_id, client_secret)
        self.revocations = revocations
        self.interval = interval
        self.timeout = timeout
        self._stopped = threading.Event()

    def beat(self) -> bool:
        """Ask once; return whether the transmitter took the request."""
        state = secrets.token_urlsafe(16)
        # Expected before asking: the SET may arrive before the answer does.
        self.revocations.expect(state, self.revocations.now())
        try:
            answer = transport.post_json(
                self.url,
                {"stream_id": self.stream_id, "state": state},
                authorization=self._authorization,
                timeout=self.timeout,
            )
        except transport.TransportError as exc:
            logger.warning("verification request failed: %s", exc)
            return False
        if not 200 <= answer.status < 300:
            logger.warning("verification request answered HTTP %s", answer.status)
            return False
        return True

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                self.beat()
            except Exception:  # the thread must outlive any one failure
                logger.exception("verification request crashed")
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        self._stopped.set()
