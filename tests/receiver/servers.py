"""
Real servers for the adapters' tests: wsgiref and uvicorn in threads, each
on a port the system picks, and plain HTTP calls with the standard library.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tests.receiver.conftest import eventually


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, dict(exc.headers), exc.read())


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class WSGIThread:
    """A wsgiref server in a thread (one request at a time, as wsgiref serves)."""

    def __init__(self, app: Any) -> None:
        self.server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.01,), daemon=True
        )

    def start(self) -> WSGIThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class UvicornThread:
    """uvicorn serving an ASGI app in a thread, on a socket bound beforehand."""

    def __init__(self, app: Any, *, lifespan: str = "off") -> None:
        import uvicorn

        self.socket = free_socket()
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan=lifespan)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> UvicornThread:
        self.thread.start()
        eventually(lambda: self.server.started, "uvicorn to start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
