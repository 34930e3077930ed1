"""
A fake transmitter for the receiver's tests: the issuer's endpoints as the
wire contract describes them, served by the standard library in a thread.

It publishes a real JWKS, the SSF configuration and RFC 8414 metadata, a
stream configuration, the verification endpoint (which queues a verification
SET carrying the state asked for), the poll endpoint (SETs handed out until
acknowledged) and introspection. With ``push_url`` set, queued SETs are pushed
there in order by a delivery thread, retried until a 202 or a 400.
Switches let a test make it fail: ``fail_poll``, ``ignore_verify``,
``jwks_down``.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.receiver import keys
from tests.receiver.keys import Key


class Transmitter:
    def __init__(self, signing: dict[str, Key], key: Key) -> None:
        self.keys = signing
        self.key = key  # the one that signs SETs
        self.outstanding: OrderedDict[str, str] = OrderedDict()
        self.acks: list[str] = []
        self.set_errs: dict[str, Any] = {}
        self.push_url: str | None = None
        self.push_authorization: str | None = None
        self.pushed: list[tuple[int, bytes]] = []
        self.fail_poll = False
        self.ignore_verify = False
        self.jwks_down = False
        self.introspect: Callable[[str], bool] = lambda token: True
        self.introspected: list[str] = []
        self.jwks_fetches = 0
        self.polls: list[dict[str, Any]] = []
        self.failed_polls = 0
        self.lock = threading.Lock()
        self._deliveries: queue.Queue[str | None] = queue.Queue()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._threads = [
            # A short poll interval: shutdown() waits for the loop to notice.
            threading.Thread(
                target=self.server.serve_forever, args=(0.01,), daemon=True
            ),
            threading.Thread(target=self._deliver, daemon=True),
        ]

    def start(self) -> Transmitter:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._deliveries.put(None)
        self.server.shutdown()
        self.server.server_close()

    # Queuing events.

    def enqueue(self, token: str, jti: str) -> None:
        if self.push_url:
            self._deliveries.put(token)
        else:
            with self.lock:
                self.outstanding[jti] = token

    def send(self, claims: dict[str, Any]) -> str:
        self.enqueue(keys.sign_set(self.key, claims), claims["jti"])
        return claims["jti"]

    def revoke(self, sid: str) -> str:
        return self.send(keys.revoked_claims(sid))

    def _deliver(self) -> None:
        while (token := self._deliveries.get()) is not None:
            while True:
                status, body = self._push(token)
                if status in (202, 400):
                    with self.lock:
                        self.pushed.append((status, body))
                    break
                time.sleep(0.05)  # retried, as the real transmitter does

    def _push(self, token: str) -> tuple[int, bytes]:
        assert self.push_url is not None
        headers = {"Content-Type": "application/secevent+jwt"}
        if self.push_authorization:
            headers["Authorization"] = self.push_authorization
        request = urllib.request.Request(
            self.push_url, data=token.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    # Documents.

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.keys.values()]}

    def ssf_configuration(self) -> dict[str, Any]:
        return {
            "issuer": keys.ISSUER,
            "jwks_uri": f"{self.url}/.well-known/jwks.json",
            "delivery_methods_supported": ["urn:ietf:rfc:8935", "urn:ietf:rfc:8936"],
            "configuration_endpoint": f"{self.url}/api/ssf/stream/",
            "status_endpoint": f"{self.url}/api/ssf/status/",
            "verification_endpoint": f"{self.url}/api/ssf/verify/",
            "authorization_schemes": [{"spec_urn": "urn:ietf:rfc:6749"}],
        }

    def oauth_metadata(self) -> dict[str, Any]:
        return {
            "issuer": keys.ISSUER,
            "jwks_uri": f"{self.url}/.well-known/jwks.json",
            "introspection_endpoint": f"{self.url}/api/auth/introspect/",
        }

    def stream(self) -> dict[str, Any]:
        if self.push_url:
            delivery = {"method": "urn:ietf:rfc:8935", "endpoint_url": self.push_url}
        else:
            poll = f"{self.url}/api/ssf/poll/{keys.STREAM_ID}/"
            delivery = {"method": "urn:ietf:rfc:8936", "endpoint_url": poll}
        return {
            "stream_id": keys.STREAM_ID,
            "iss": keys.ISSUER,
            "aud": keys.STREAM_AUDIENCE,
            "delivery": delivery,
        }

    def poll(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.polls.append(body)
            for jti in body.get("ack", []):
                self.acks.append(jti)
                self.outstanding.pop(jti, None)
            for jti, err in body.get("setErrs", {}).items():
                self.set_errs[jti] = err
                self.outstanding.pop(jti, None)
            items = list(self.outstanding.items())
        limit = int(body.get("maxEvents", 100))
        return {"sets": dict(items[:limit]), "moreAvailable": len(items) > limit}


def _authorized(handler: BaseHTTPRequestHandler) -> bool:
    pair = f"{keys.CLIENT_ID}:{keys.CLIENT_SECRET}".encode()
    expected = "Basic " + base64.b64encode(pair).decode()
    return handler.headers.get("Authorization") == expected


def _handler(transmitter: Transmitter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def answer(self, status: int, body: Any = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/.well-known/jwks.json":
                transmitter.jwks_fetches += 1
                if transmitter.jwks_down:
                    return self.answer(503, {"error": "down"})
                return self.answer(200, transmitter.jwks())
            if path == "/.well-known/ssf-configuration":
                return self.answer(200, transmitter.ssf_configuration())
            if path == "/.well-known/oauth-authorization-server":
                return self.answer(200, transmitter.oauth_metadata())
            if path == "/api/ssf/stream/":
                if not _authorized(self):
                    return self.answer(401, {"error": "invalid_client"})
                return self.answer(200, transmitter.stream())
            self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            body = self.body()
            if not _authorized(self):
                return self.answer(401, {"error": "invalid_client"})
            if path == "/api/ssf/verify/":
                state = json.loads(body)["state"]
                if not transmitter.ignore_verify:
                    transmitter.send(
                        keys.stream_claims(keys.VERIFICATION, {"state": state})
                    )
                return self.answer(204)
            if path == f"/api/ssf/poll/{keys.STREAM_ID}/":
                if transmitter.fail_poll:
                    transmitter.failed_polls += 1
                    return self.answer(500, {"error": "down"})
                return self.answer(200, transmitter.poll(json.loads(body)))
            if path == "/api/auth/introspect/":
                token = urllib.parse.parse_qs(body.decode())["token"][0]
                transmitter.introspected.append(token)
                return self.answer(200, {"active": transmitter.introspect(token)})
            self.answer(404, {"error": "not found"})

    return Handler
