"""
The facade a service uses: one ``ReceiverConfig`` in, everything wired.

    receiver = Receiver.from_env().start()
    app = receiver.wsgi(app)

``start`` discovers the endpoints (when the configuration names the SSF
configuration URL rather than each endpoint) and starts one thread: the
poller in poll mode, the heartbeat in push mode. Until the first answer
arrives, and whenever answers stop for ``max_staleness``, every token is
refused: the receiver never accepts on knowledge it cannot vouch for.

One receiver holds its revocations in memory, for its process. A service
run as several processes needs one stream per process (poll mode shares
nothing between processes: a SET acknowledged by one is never seen by the
others); in push mode, a process that is not delivered its own verification
SETs goes stale and refuses, so that case fails closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from tokens_receiver.config import ConfigurationError, ReceiverConfig
from tokens_receiver.discovery import discover
from tokens_receiver.errors import TokenRefused
from tokens_receiver.introspection import Introspection
from tokens_receiver.jose import KeySource
from tokens_receiver.poll import Poller
from tokens_receiver.push import Heartbeat, PushEndpoint, Response
from tokens_receiver.revocations import RevocationSet
from tokens_receiver.sets import CredentialCallback, SetProcessor
from tokens_receiver.verifier import Verifier

if TYPE_CHECKING:
    from tokens_receiver.asgi import ASGIApp, ReceiverASGIMiddleware
    from tokens_receiver.wsgi import ReceiverWSGIMiddleware, WSGIApp

logger = logging.getLogger("tokens_receiver")


class Receiver:
    """Verifier, revocation set and delivery thread of one configuration."""

    def __init__(
        self,
        config: ReceiverConfig,
        *,
        on_credential_change: CredentialCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.on_credential_change = on_credential_change
        self.revocations = RevocationSet(
            max_staleness=config.staleness,
            max_token_lifetime=config.max_token_lifetime,
            known_since=None if config.refuse_tokens_before_start else 0.0,
            clock=clock,
        )
        self.verifier: Verifier | None = None
        self.processor: SetProcessor | None = None
        self.push: PushEndpoint | None = None
        self.poller: Poller | None = None
        self.heartbeat: Heartbeat | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **kwargs: Any) -> Self:
        """A receiver configured by ``TOKENS_RECEIVER_*`` environment variables."""
        return cls(ReceiverConfig.from_env(environ), **kwargs)

    def resolve(self) -> None:
        """Discover the endpoints and build the parts (once; no thread started)."""
        with self._lock:
            if self.verifier is not None:
                return
            config = self.config
            endpoints = discover(config)
            keys = KeySource(endpoints.jwks_url, timeout=config.timeout)
            client_id, secret = config.client_id or "", config.client_secret or ""
            introspection = None
            if endpoints.introspection_url:
                introspection = Introspection(
                    endpoints.introspection_url,
                    client_id,
                    secret,
                    timeout=config.timeout,
                )
            self.processor = SetProcessor(
                config.issuer,
                endpoints.set_audience,
                keys,
                self.revocations,
                algorithms=config.algorithms,
                stream_id=config.stream_id,
                leeway=config.leeway,
                on_credential_change=self.on_credential_change,
            )
            self.push = PushEndpoint(self.processor, config.push_authorization)
            if config.mode == "poll":
                if endpoints.poll_url is None:
                    raise ConfigurationError("no poll URL was found")
                self.poller = Poller(
                    endpoints.poll_url,
                    client_id,
                    secret,
                    self.processor,
                    self.revocations,
                    interval=config.poll_interval,
                    timeout=config.timeout,
                )
            else:
                if endpoints.verification_url is None or config.stream_id is None:
                    raise ConfigurationError("no verification endpoint was found")
                self.heartbeat = Heartbeat(
                    endpoints.verification_url,
                    config.stream_id,
                    client_id,
                    secret,
                    self.revocations,
                    interval=config.heartbeat,
                    timeout=config.timeout,
                )
            # Last: a non-None verifier means every part above is built.
            self.verifier = Verifier(
                config.issuer,
                config.audience,
                keys,
                self.revocations,
                algorithms=config.algorithms,
                leeway=config.leeway,
                introspection=introspection,
            )

    def start(self) -> Self:
        """Resolve, then start the poller or the heartbeat thread."""
        self.resolve()
        thread = self.poller or self.heartbeat
        if thread is not None and not thread.is_alive() and thread.ident is None:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop the delivery thread (tokens are then refused once stale)."""
        for thread in (self.poller, self.heartbeat):
            if thread is not None:
                thread.stop()
                if thread.is_alive():
                    thread.join(timeout=self.config.timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def fresh(self) -> bool:
        return self.revocations.fresh()

    def wait_fresh(self, timeout: float) -> bool:
        """Block until fresh, at most *timeout* seconds; return whether it is."""
        deadline = time.monotonic() + timeout
        while not self.fresh():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of an acceptable access token; else ``TokenRefused``."""
        if self.verifier is None:
            raise TokenRefused("stale")  # not started: nothing is known yet
        return self.verifier.verify(token)

    def handle_push(
        self, body: bytes, content_type: str, authorization: str | None
    ) -> Response:
        """The push endpoint's answer (``PushEndpoint.handle_push``)."""
        if self.push is None:
            return 503, [("Retry-After", "5")], b""
        return self.push.handle_push(body, content_type, authorization)

    def wsgi(self, app: WSGIApp, **options: Any) -> ReceiverWSGIMiddleware:
        """Wrap a WSGI *app* (see ``tokens_receiver.wsgi``)."""
        from tokens_receiver.wsgi import ReceiverWSGIMiddleware

        return ReceiverWSGIMiddleware(app, self, **options)

    def asgi(self, app: ASGIApp, **options: Any) -> ReceiverASGIMiddleware:
        """Wrap an ASGI *app* (see ``tokens_receiver.asgi``)."""
        from tokens_receiver.asgi import ReceiverASGIMiddleware

        return ReceiverASGIMiddleware(app, self, **options)
