"""
The ASGI middleware (no framework) and the FastAPI adapter, each served by
uvicorn: push mode with the fake transmitter pushing to them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI

from tests.receiver import keys
from tests.receiver.conftest import eventually
from tests.receiver.servers import UvicornThread, call
from tokens_receiver.asgi import CLAIMS_KEY
from tokens_receiver.fastapi import lifespan, push_router, require_token

PUSH_PATH = "/ssf/events"
SET_TYPE = {"Content-Type": "application/secevent+jwt"}


async def inner_app(scope, receive, send):
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    claims = scope.get(CLAIMS_KEY)
    body = json.dumps({"sub": claims["sub"] if claims else None}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def asgi_site(make_receiver, transmitter) -> Iterator[tuple[str, object]]:
    receiver = make_receiver(mode="push", max_staleness=30)
    server = UvicornThread(receiver.asgi(inner_app, public_paths=["/health"]))
    transmitter.push_url = server.url + PUSH_PATH
    server.start()
    receiver.start()
    try:
        assert receiver.wait_fresh(10), "the first verification SET never arrived"
        yield server.url, receiver
    finally:
        receiver.stop()
        server.stop()


def test_asgi_refuses_a_request_without_a_token(asgi_site):
    url, _ = asgi_site
    reply = call("GET", url + "/orders")
    assert reply.status == 401
    assert reply.headers["www-authenticate"] == 'Bearer realm="api"'
    assert reply.json() == {"detail": "Authentication credentials were not provided."}


def test_asgi_passes_claims_then_refuses_after_the_push(asgi_site, transmitter, key):
    url, _ = asgi_site
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    reply = call("GET", url + "/orders", token=token)
    assert (reply.status, reply.json()) == (200, {"sub": "42"})
    transmitter.revoke(sid)
    eventually(lambda: call("GET", url + "/orders", token=token).status == 401)
    assert call("GET", url + "/health").json() == {"sub": None}


def test_asgi_push_answers_with_rfc_8935_codes(asgi_site, key):
    url, _ = asgi_site
    good = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())))
    for _ in range(2):  # the second is a duplicate: accepted, applied once
        reply = call("POST", url + PUSH_PATH, body=good.encode(), headers=SET_TYPE)
        assert (reply.status, reply.body) == (202, b"")
    bad = keys.sign_set(key, keys.revoked_claims("x", iss="https://other.example"))
    reply = call("POST", url + PUSH_PATH, body=bad.encode(), headers=SET_TYPE)
    assert (reply.status, reply.json()["err"]) == (400, "invalid_issuer")
    huge = b"a" * 70_000
    assert call("POST", url + PUSH_PATH, body=huge, headers=SET_TYPE).status == 413
    assert call("GET", url + PUSH_PATH).status == 405


def test_asgi_goes_unavailable_when_stale(asgi_site, transmitter, clock, key):
    url, _ = asgi_site
    transmitter.ignore_verify = True
    clock.advance(31)
    reply = call("GET", url + "/orders", token=keys.access_token(key))
    assert reply.status == 503


# FastAPI: the dependency, the push router and the lifespan.


@pytest.fixture
def fastapi_site(make_receiver, transmitter) -> Iterator[str]:
    receiver = make_receiver(mode="push", max_staleness=30)
    app = FastAPI(lifespan=lifespan(receiver))
    app.include_router(push_router(receiver))

    @app.get("/me")
    def me(claims: dict = Depends(require_token)) -> dict:
        return {"user": claims["sub"], "sid": claims["sid"]}

    server = UvicornThread(app, lifespan="on")
    transmitter.push_url = server.url + PUSH_PATH
    server.start()  # the lifespan starts the receiver
    try:
        assert receiver.wait_fresh(10), "the first verification SET never arrived"
        yield server.url
    finally:
        server.stop()  # and stops it
        assert not receiver.heartbeat.is_alive()


def test_fastapi_dependency_returns_the_claims(fastapi_site, key):
    sid = str(uuid.uuid4())
    reply = call("GET", fastapi_site + "/me", token=keys.access_token(key, sid))
    assert (reply.status, reply.json()) == (200, {"user": "42", "sid": sid})


def test_fastapi_refuses_with_401_and_www_authenticate(fastapi_site, key):
    reply = call("GET", fastapi_site + "/me")
    assert reply.status == 401
    assert reply.headers["www-authenticate"] == 'Bearer realm="api"'
    assert reply.json() == {"detail": "Authentication credentials were not provided."}
    forged = keys.access_token(
        keys.Key(key.kid, key.algorithm, keys.make_keys()["ES256"].private)
    )
    reply = call("GET", fastapi_site + "/me", token=forged)
    assert reply.status == 401
    assert 'error="invalid_token"' in reply.headers["www-authenticate"]
    assert set(reply.json()) == {"detail"}


def test_fastapi_refuses_a_session_revoked_by_push(fastapi_site, transmitter, key):
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    assert call("GET", fastapi_site + "/me", token=token).status == 200
    transmitter.revoke(sid)
    eventually(lambda: call("GET", fastapi_site + "/me", token=token).status == 401)
    assert call("GET", fastapi_site + "/me", token=keys.access_token(key)).status == 200


def test_fastapi_push_router_answers_with_rfc_8935_codes(fastapi_site, key):
    bad = keys.sign_set(key, keys.revoked_claims("x"), typ="JWT")
    reply = call("POST", fastapi_site + PUSH_PATH, body=bad.encode(), headers=SET_TYPE)
    assert (reply.status, reply.json()["err"]) == (400, "invalid_request")
    good = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())))
    reply = call("POST", fastapi_site + PUSH_PATH, body=good.encode(), headers=SET_TYPE)
    assert (reply.status, reply.body) == (202, b"")


def test_a_websocket_without_a_token_is_closed_before_accept(make_receiver):
    """Driven directly: no WebSocket library is needed to see the close."""
    import asyncio

    middleware = make_receiver(mode="push").asgi(inner_app)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/live", "headers": []}
    asyncio.run(middleware(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008}]
