"""
WSGI middleware: every request to the wrapped app needs an acceptable Bearer
token, and the push endpoint is served at ``push_path``.

    app = ReceiverWSGIMiddleware(app, receiver)   # or receiver.wsgi(app)

The verified claims are in ``environ["tokens_receiver.claims"]``. Paths under
one of ``public_paths`` (a health check, the login page of another system)
pass through without a token. Push is served only in push mode, and only for
POST; its body is read up to the size a SET may have, no further.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tokens_receiver.bearer import bearer_token, refusal
from tokens_receiver.errors import TokenRefused
from tokens_receiver.push import MAX_SET_BYTES, Response

if TYPE_CHECKING:
    from tokens_receiver.receiver import Receiver

CLAIMS_KEY = "tokens_receiver.claims"
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_REASONS = {202: "Accepted", 400: "Bad Request", 401: "Unauthorized"} | {
    403: "Forbidden",
    405: "Method Not Allowed",
    413: "Content Too Large",
    503: "Service Unavailable",
}


def _send(response: Response, start_response: StartResponse) -> list[bytes]:
    status, headers, body = response
    headers = [*headers, ("Content-Length", str(len(body)))]
    start_response(f"{status} {_REASONS.get(status, '')}".rstrip(), headers)
    return [body]


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """Return the request body, or None if it is larger than a SET may be."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_SET_BYTES:
        return None
    stream = environ["wsgi.input"]
    body: bytes = stream.read(length) if length > 0 else b""
    return body


class ReceiverWSGIMiddleware:
    """Protect *app* with *receiver*'s verifier; serve its push endpoint."""

    def __init__(
        self,
        app: WSGIApp,
        receiver: Receiver,
        *,
        push_path: str | None = None,
        public_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.receiver = receiver
        self.push_path = push_path or receiver.config.push_path
        self.public_paths = tuple(public_paths)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == self.push_path and self.receiver.config.mode == "push":
            return _send(self._push(environ), start_response)
        if path.startswith(self.public_paths):
            return self.app(environ, start_response)
        try:
            token = bearer_token(environ.get("HTTP_AUTHORIZATION"))
            if token is None:
                return _send(refusal(None), start_response)
            environ[CLAIMS_KEY] = self.receiver.verify(token)
        except TokenRefused as refused:
            return _send(refusal(refused), start_response)
        return self.app(environ, start_response)

    def _push(self, environ: dict[str, Any]) -> Response:
        if environ.get("REQUEST_METHOD") != "POST":
            return 405, [("Allow", "POST")], b""
        body = _read_body(environ)
        if body is None:
            return 413, [], b""
        return self.receiver.handle_push(
            body, environ.get("CONTENT_TYPE", ""), environ.get("HTTP_AUTHORIZATION")
        )
