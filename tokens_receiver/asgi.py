"""
ASGI middleware, without a framework: the same protection as the WSGI one.

    app = ReceiverASGIMiddleware(app, receiver)   # or receiver.asgi(app)

HTTP requests need an acceptable Bearer token; the claims are put in
``scope["tokens_receiver.claims"]``. A WebSocket handshake without one is
closed (code 1008, policy violation) before it is accepted. Lifespan events
pass through. Verification may fetch the JWKS or ask introspection, which
block: it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

from tokens_receiver.bearer import bearer_token, refusal
from tokens_receiver.errors import TokenRefused
from tokens_receiver.push import MAX_SET_BYTES, Response

if TYPE_CHECKING:
    from tokens_receiver.receiver import Receiver

CLAIMS_KEY = "tokens_receiver.claims"
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _send(response: Response, send: Send) -> None:
    status, headers, body = response
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes | None:
    """Return the request body, or None once it exceeds what a SET may be."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_SET_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class ReceiverASGIMiddleware:
    """Protect *app* with *receiver*'s verifier; serve its push endpoint."""

    def __init__(
        self,
        app: ASGIApp,
        receiver: Receiver,
        *,
        push_path: str | None = None,
        public_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.receiver = receiver
        self.push_path = push_path or receiver.config.push_path
        self.public_paths = tuple(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path") or "/"
        if (
            scope["type"] == "http"
            and path == self.push_path
            and self.receiver.config.mode == "push"
        ):
            await _send(await self._push(scope, receive), send)
            return
        if path.startswith(self.public_paths):
            await self.app(scope, receive, send)
            return
        refused: TokenRefused | None = None
        claims: dict[str, Any] | None = None
        try:
            token = bearer_token(_header(scope, b"authorization"))
            if token is not None:
                claims = await asyncio.to_thread(self.receiver.verify, token)
        except TokenRefused as exc:
            refused = exc
        if claims is not None:
            scope[CLAIMS_KEY] = claims
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _send(refusal(refused), send)

    async def _push(self, scope: Scope, receive: Receive) -> Response:
        if scope.get("method") != "POST":
            return 405, [("Allow", "POST")], b""
        body = await _read_body(receive)
        if body is None:
            return 413, [], b""
        return await asyncio.to_thread(
            self.receiver.handle_push,
            body,
            _header(scope, b"content-type") or "",
            _header(scope, b"authorization"),
        )
