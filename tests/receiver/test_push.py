"""
RFC 8935 push, framework-free: ``PushEndpoint.handle_push`` with real SETs,
each refusal with its RFC 8935 code, and the heartbeat against the fake
transmitter's verification endpoint.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest

from tests.receiver import keys
from tokens_receiver import RevocationSet
from tokens_receiver.jose import KeySource
from tokens_receiver.push import Heartbeat, PushEndpoint
from tokens_receiver.sets import SetProcessor

CONTENT_TYPE = "application/secevent+jwt"


@pytest.fixture
def revocations(clock) -> RevocationSet:
    return RevocationSet(clock=clock, known_since=0.0)


@pytest.fixture
def credential_changes() -> list:
    return []


@pytest.fixture
def processor(transmitter, revocations, credential_changes) -> SetProcessor:
    return SetProcessor(
        keys.ISSUER,
        keys.STREAM_AUDIENCE,
        KeySource(f"{transmitter.url}/.well-known/jwks.json"),
        revocations,
        stream_id=keys.STREAM_ID,
        on_credential_change=lambda sub, fields: credential_changes.append(sub),
    )


@pytest.fixture
def endpoint(processor) -> PushEndpoint:
    return PushEndpoint(processor)


def push(endpoint: PushEndpoint, token: str, authorization: str | None = None):
    return endpoint.handle_push(token.encode(), CONTENT_TYPE, authorization)


def refused(endpoint: PushEndpoint, token: str) -> str:
    status, headers, body = push(endpoint, token)
    assert status == 400
    assert ("Content-Type", "application/json") in headers
    answer = json.loads(body)
    assert set(answer) == {"err", "description"}
    return answer["err"]


def test_a_session_revoked_set_is_accepted_and_applied(endpoint, revocations, key):
    sid = str(uuid.uuid4())
    assert push(endpoint, keys.sign_set(key, keys.revoked_claims(sid))) == (
        202,
        [],
        b"",
    )
    assert revocations.is_revoked(sid)


def test_a_duplicate_set_is_accepted_and_applied_once(endpoint, revocations, key):
    sid = str(uuid.uuid4())
    token = keys.sign_set(key, keys.revoked_claims(sid))
    assert push(endpoint, token)[0] == 202
    assert revocations.revoked_count == 1
    assert not revocations.first_time(
        jwt.decode(token, options={"verify_signature": False})["jti"]
    )
    assert push(endpoint, token)[0] == 202
    assert revocations.revoked_count == 1


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_sets_of_each_algorithm(endpoint, revocations, signing_keys, algorithm):
    sid = str(uuid.uuid4())
    token = keys.sign_set(signing_keys[algorithm], keys.revoked_claims(sid))
    assert push(endpoint, token)[0] == 202
    assert revocations.is_revoked(sid)


def test_a_forged_set_is_refused(endpoint, revocations, key):
    impostor = keys.Key(key.kid, key.algorithm, keys.make_keys()["ES256"].private)
    sid = str(uuid.uuid4())
    assert refused(endpoint, keys.sign_set(impostor, keys.revoked_claims(sid))) == (
        "invalid_key"
    )
    assert not revocations.is_revoked(sid)


def test_an_unknown_kid_is_refused(endpoint, key):
    stranger = keys.Key("nobody", key.algorithm, key.private)
    token = keys.sign_set(stranger, keys.revoked_claims(str(uuid.uuid4())))
    assert refused(endpoint, token) == "invalid_key"


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt", "secevent"])
def test_a_set_must_be_typed_secevent_jwt(endpoint, key, typ):
    token = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())), typ=typ)
    assert refused(endpoint, token) == "invalid_request"


def test_the_typ_is_compared_as_a_media_type(endpoint, key):
    claims = keys.revoked_claims(str(uuid.uuid4()))
    token = keys.sign_set(key, claims, typ="application/SECEVENT+JWT")
    assert push(endpoint, token)[0] == 202


@pytest.mark.parametrize(
    ("claims", "err"),
    [
        ({"iss": "https://other.example"}, "invalid_issuer"),
        ({"aud": keys.AUDIENCE}, "invalid_audience"),
        ({"exp": int(time.time()) - 60}, "invalid_request"),
        ({"iat": int(time.time()) + 3600}, "invalid_request"),
    ],
)
def test_claims_that_are_not_ours_are_refused(endpoint, key, claims, err):
    token = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4()), **claims))
    assert refused(endpoint, token) == err


def test_a_set_whose_exp_is_ahead_is_accepted(endpoint, key):
    claims = keys.revoked_claims(str(uuid.uuid4()), exp=int(time.time()) + 60)
    assert push(endpoint, keys.sign_set(key, claims))[0] == 202


def test_alg_none_is_refused(endpoint, key):
    header = {"alg": "none", "kid": key.kid, "typ": "secevent+jwt"}
    token = keys.forge(header, keys.revoked_claims(str(uuid.uuid4())), None)
    assert refused(endpoint, token) == "invalid_key"


def test_hs256_over_the_public_key_is_refused(endpoint, revocations, signing_keys):
    rsa = signing_keys["RS256"]
    sid = str(uuid.uuid4())
    header = {"alg": "HS256", "kid": rsa.kid, "typ": "secevent+jwt"}
    token = keys.forge(header, keys.revoked_claims(sid), rsa.public_pem())
    assert refused(endpoint, token) == "invalid_key"
    assert not revocations.is_revoked(sid)


@pytest.mark.parametrize("missing", ["iss", "aud", "iat", "jti", "events"])
def test_required_claims(endpoint, key, missing):
    claims = keys.revoked_claims(str(uuid.uuid4()))
    del claims[missing]
    assert refused(endpoint, keys.sign_set(key, claims)) in {
        "invalid_request",
        "invalid_issuer",
        "invalid_audience",
    }


def test_exactly_one_event(endpoint, key):
    claims = keys.revoked_claims(str(uuid.uuid4()))
    claims["events"][keys.CREDENTIAL_CHANGE] = {}
    assert refused(endpoint, keys.sign_set(key, claims)) == "invalid_request"
    claims["events"] = {}
    assert refused(endpoint, keys.sign_set(key, claims)) == "invalid_request"


def test_an_unknown_event_type_is_refused(endpoint, key):
    claims = keys.set_claims("https://example.com/event/other", {}, {})
    assert refused(endpoint, keys.sign_set(key, claims)) == "invalid_request"


@pytest.mark.parametrize(
    "sub_id",
    [
        {"format": "opaque", "id": "a-session"},
        {"format": "complex", "session": {"format": "email", "id": "x"}},
        {"format": "complex", "session": {"format": "opaque", "id": ""}},
        "a-session",
    ],
)
def test_a_session_revoked_needs_a_session_subject(endpoint, key, sub_id):
    claims = keys.revoked_claims("unused")
    claims["sub_id"] = sub_id
    assert refused(endpoint, keys.sign_set(key, claims)) == "invalid_request"


def test_credential_change_calls_back_only(
    endpoint, revocations, key, credential_changes
):
    fields = {"credential_type": "password", "change_type": "update"}
    claims = keys.set_claims(
        keys.CREDENTIAL_CHANGE, {"format": "opaque", "id": "42"}, fields
    )
    assert push(endpoint, keys.sign_set(key, claims))[0] == 202
    assert credential_changes == ["42"]
    assert revocations.revoked_count == 0


def test_a_failing_callback_does_not_refuse_the_set(processor, endpoint, key):
    def fail(sub, fields):
        raise RuntimeError("callback bug")

    processor.on_credential_change = fail
    claims = keys.set_claims(
        keys.CREDENTIAL_CHANGE, {"format": "opaque", "id": "42"}, {}
    )
    assert push(endpoint, keys.sign_set(key, claims))[0] == 202


def test_a_verification_marks_heard_only_for_our_state(
    endpoint, revocations, clock, key
):
    revocations.expect("ours", clock())
    other = keys.stream_claims(keys.VERIFICATION, {"state": "theirs"})
    assert push(endpoint, keys.sign_set(key, other))[0] == 202
    assert not revocations.fresh()
    ours = keys.stream_claims(keys.VERIFICATION, {"state": "ours"})
    assert push(endpoint, keys.sign_set(key, ours))[0] == 202
    assert revocations.fresh()


def test_a_verification_of_another_stream_is_refused(endpoint, key):
    claims = keys.set_claims(
        keys.VERIFICATION, {"format": "opaque", "id": "another-stream"}, {"state": "x"}
    )
    assert refused(endpoint, keys.sign_set(key, claims)) == "invalid_request"


def test_a_stream_paused_makes_the_receiver_stale(endpoint, revocations, key):
    revocations.heard()
    paused = keys.stream_claims(keys.STREAM_UPDATED, {"status": "paused"})
    assert push(endpoint, keys.sign_set(key, paused))[0] == 202
    assert not revocations.fresh()
    enabled = keys.stream_claims(keys.STREAM_UPDATED, {"status": "enabled"})
    assert push(endpoint, keys.sign_set(key, enabled))[0] == 202
    assert revocations.fresh()
    odd = keys.stream_claims(keys.STREAM_UPDATED, {"status": "sleepy"})
    assert refused(endpoint, keys.sign_set(key, odd)) == "invalid_request"


def test_the_content_type_must_be_secevent_jwt(endpoint, key):
    token = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())))
    status, _, body = endpoint.handle_push(token.encode(), "application/json", None)
    assert (status, json.loads(body)["err"]) == (400, "invalid_request")
    ctype = "application/secevent+jwt; charset=utf-8"
    assert endpoint.handle_push(token.encode(), ctype, None)[0] == 202


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"not a jws", b"a" * 70000])
def test_garbage_is_refused(endpoint, body):
    status, _, answer = endpoint.handle_push(body, CONTENT_TYPE, None)
    assert (status, json.loads(answer)["err"]) == (400, "invalid_request")


def test_an_expected_authorization_is_required(processor, key):
    endpoint = PushEndpoint(processor, authorization="Bearer push-secret")
    token = keys.sign_set(key, keys.revoked_claims(str(uuid.uuid4())))
    status, headers, body = push(endpoint, token)
    assert status == 401
    assert json.loads(body)["err"] == "authentication_failed"
    assert any(name == "WWW-Authenticate" for name, _ in headers)
    status, _, body = push(endpoint, token, "Bearer guess")
    assert (status, json.loads(body)["err"]) == (403, "access_denied")
    assert push(endpoint, token, "Bearer push-secret")[0] == 202


def test_unreachable_keys_answer_503_so_the_set_is_sent_again(
    endpoint, transmitter, revocations, key
):
    transmitter.jwks_down = True
    sid = str(uuid.uuid4())
    token = keys.sign_set(key, keys.revoked_claims(sid))
    status, headers, _ = push(endpoint, token)
    assert status == 503
    assert ("Retry-After", "5") in headers
    transmitter.jwks_down = False
    assert push(endpoint, token)[0] == 202
    assert revocations.is_revoked(sid)


# The heartbeat: verification requests, answered through the push endpoint.


@pytest.fixture
def heartbeat(transmitter, revocations) -> Heartbeat:
    return Heartbeat(
        f"{transmitter.url}/api/ssf/verify/",
        keys.STREAM_ID,
        keys.CLIENT_ID,
        keys.CLIENT_SECRET,
        revocations,
    )


def test_a_heartbeat_answered_makes_the_receiver_fresh(
    heartbeat, endpoint, transmitter, revocations, clock
):
    asked_at = clock()
    assert heartbeat.beat()
    assert not revocations.fresh()  # asked, not yet answered
    clock.advance(3)
    ((jti, token),) = transmitter.outstanding.items()
    assert push(endpoint, token)[0] == 202
    assert revocations.fresh()
    assert revocations.last_heard == asked_at


def test_unanswered_heartbeats_go_stale(
    heartbeat, endpoint, transmitter, revocations, clock
):
    assert heartbeat.beat()
    (token,) = transmitter.outstanding.values()
    push(endpoint, token)
    transmitter.ignore_verify = True
    for _ in range(4):
        clock.advance(10)
        assert heartbeat.beat()  # asked, never answered
    assert not revocations.fresh()


def test_a_failing_verification_endpoint_is_reported(transmitter, revocations):
    wrong = Heartbeat(
        f"{transmitter.url}/api/ssf/verify/",
        keys.STREAM_ID,
        keys.CLIENT_ID,
        "x",
        revocations,
    )
    assert not wrong.beat()
    down = Heartbeat(
        "http://127.0.0.1:9/verify", keys.STREAM_ID, keys.CLIENT_ID, "x", revocations
    )
    assert not down.beat()
