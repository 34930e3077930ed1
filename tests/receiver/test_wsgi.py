"""
The WSGI middleware end to end: a real wsgiref server, a receiver in push
mode, and the fake transmitter pushing SETs to it (verification SETs
answering the heartbeat, and a session's revocation).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.receiver import keys
from tests.receiver.conftest import eventually
from tests.receiver.servers import WSGIThread, call
from tokens_receiver.bearer import INVALID_TOKEN
from tokens_receiver.wsgi import CLAIMS_KEY

PUSH_PATH = "/ssf/events"


def inner_app(environ, start_response):
    claims = environ.get(CLAIMS_KEY)
    body = json.dumps({"sub": claims["sub"] if claims else None}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


@pytest.fixture
def site(make_receiver, transmitter) -> Iterator[tuple[str, object]]:
    receiver = make_receiver(
        mode="push", max_staleness=30, push_authorization="Bearer p"
    )
    server = WSGIThread(receiver.wsgi(inner_app, public_paths=["/health"])).start()
    transmitter.push_url = server.url + PUSH_PATH
    transmitter.push_authorization = "Bearer p"
    receiver.start()
    try:
        assert receiver.wait_fresh(10), "the first verification SET never arrived"
        yield server.url, receiver
    finally:
        receiver.stop()
        server.stop()


def test_a_request_without_a_token_is_refused(site):
    url, _ = site
    reply = call("GET", url + "/orders")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert reply.json() == {"detail": "Authentication credentials were not provided."}


def test_a_valid_token_reaches_the_app_with_its_claims(site, key):
    url, _ = site
    reply = call("GET", url + "/orders", token=keys.access_token(key))
    assert (reply.status, reply.json()) == (200, {"sub": "42"})


def test_a_revoked_session_is_refused_once_its_set_is_pushed(site, transmitter, key):
    url, _ = site
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    assert call("GET", url + "/orders", token=token).status == 200
    transmitter.revoke(sid)
    eventually(lambda: call("GET", url + "/orders", token=token).status == 401)
    reply = call("GET", url + "/orders", token=token)
    assert 'error="invalid_token"' in reply.headers["WWW-Authenticate"]
    # The same answer whatever the reason: reason codes go to the log.
    assert reply.json() == {"detail": INVALID_TOKEN}
    # The SET was applied before its 202 reached the transmitter.
    eventually(lambda: (202, b"") in transmitter.pushed, "the 202")


def test_a_duplicate_push_is_accepted(site, transmitter, key):
    url, _ = site
    token = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())))
    for _ in range(2):
        reply = call(
            "POST",
            url + PUSH_PATH,
            body=token.encode(),
            headers={
                "Content-Type": "application/secevent+jwt",
                "Authorization": "Bearer p",
            },
        )
        assert (reply.status, reply.body) == (202, b"")


def test_a_bad_set_is_answered_with_its_code(site, signing_keys):
    url, _ = site
    claims = keys.revoked_claims(str(uuid.uuid4()), aud="someone-else")
    reply = call(
        "POST",
        url + PUSH_PATH,
        body=keys.sign_set(signing_keys["RS256"], claims).encode(),
        headers={
            "Content-Type": "application/secevent+jwt",
            "Authorization": "Bearer p",
        },
    )
    assert reply.status == 400
    assert reply.json()["err"] == "invalid_audience"


def test_the_push_endpoint_needs_its_authorization(site, key):
    url, _ = site
    token = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())))
    ctype = {"Content-Type": "application/secevent+jwt"}
    assert (
        call("POST", url + PUSH_PATH, body=token.encode(), headers=ctype).status == 401
    )
    wrong = {**ctype, "Authorization": "Bearer q"}
    assert (
        call("POST", url + PUSH_PATH, body=token.encode(), headers=wrong).status == 403
    )
    assert call("GET", url + PUSH_PATH).status == 405


def test_unanswered_heartbeats_refuse_every_token_as_unavailable(
    site, transmitter, clock, key
):
    url, receiver = site
    token = keys.access_token(key)
    assert call("GET", url + "/orders", token=token).status == 200
    transmitter.ignore_verify = True
    clock.advance(31)
    reply = call("GET", url + "/orders", token=token)
    assert reply.status == 503
    assert reply.headers["Retry-After"] == "5"
    transmitter.ignore_verify = False
    eventually(receiver.fresh, "a heartbeat answered again")
    assert call("GET", url + "/orders", token=token).status == 200


def test_public_paths_need_no_token(site):
    url, _ = site
    assert call("GET", url + "/health").json() == {"sub": None}
