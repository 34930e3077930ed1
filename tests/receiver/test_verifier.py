"""
Access tokens through ``Verifier``: real keys, a real JWKS over HTTP, and
every way a token must be refused, each with its reason code.
"""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from tests.receiver import keys
from tokens_receiver import Introspection, RevocationSet, TokenRefused, Verifier


@pytest.fixture
def revocations(clock) -> RevocationSet:
    revocations = RevocationSet(max_staleness=30, known_since=0.0, clock=clock)
    revocations.heard()
    return revocations


@pytest.fixture
def verifier(transmitter, revocations) -> Verifier:
    return Verifier(
        keys.ISSUER,
        keys.AUDIENCE,
        f"{transmitter.url}/.well-known/jwks.json",
        revocations,
    )


def refusal(verifier: Verifier, token: str) -> str:
    with pytest.raises(TokenRefused) as refused:
        verifier.verify(token)
    assert not token or token not in str(refused.value)
    return refused.value.reason


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_a_valid_token_of_each_algorithm_is_accepted(verifier, signing_keys, algorithm):
    sid = str(uuid.uuid4())
    claims = verifier.verify(keys.access_token(signing_keys[algorithm], sid))
    assert claims["sid"] == sid
    assert claims["sub"] == "42"


def test_an_untyped_access_token_is_accepted(verifier, key):
    """Tokens minted before ``typ`` was added carry none (nor PyJWT's "JWT")."""
    assert verifier.verify(keys.sign(key, keys.access_claims(), typ=None))
    assert refusal(verifier, keys.sign(key, keys.access_claims())) == "type"


def test_a_token_of_a_revoked_session_is_refused(verifier, revocations, key):
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    verifier.verify(token)
    revocations.revoke(sid.upper())  # one session, however it is spelt
    assert refusal(verifier, token) == "revoked"
    assert verifier.verify(keys.access_token(key))  # other sessions live on


def test_a_forged_signature_is_refused(verifier, key):
    """Signed by a key the issuer never had, under the issuer's kid."""
    impostor = keys.Key(key.kid, key.algorithm, keys.make_keys()["ES256"].private)
    assert refusal(verifier, keys.access_token(impostor)) == "signature"


def test_an_unknown_kid_is_refused(verifier, key):
    stranger = keys.Key("nobody", key.algorithm, key.private)
    assert refusal(verifier, keys.access_token(stranger)) == "unknown_key"


def test_a_token_without_kid_is_refused(verifier, key):
    token = jwt.encode(
        keys.access_claims(),
        key.private,
        algorithm=key.algorithm,
        headers={"typ": "at+jwt"},
    )
    assert refusal(verifier, token) == "no_kid"


@pytest.mark.parametrize(
    ("claim", "value", "reason"),
    [
        ("iss", "https://other.example", "issuer"),
        ("aud", "other-api", "audience"),
        ("aud", [keys.AUDIENCE, "other"], "audience"),
        ("exp", int(time.time()) - 3600, "expired"),
        ("nbf", int(time.time()) + 3600, "not_yet_valid"),
        ("token_type", "refresh", "token_type"),
        ("sid", 7, "claims"),
    ],
)
def test_claims_that_are_not_ours_are_refused(verifier, key, claim, value, reason):
    token = keys.sign(key, keys.access_claims(**{claim: value}), typ="at+jwt")
    assert refusal(verifier, token) == reason


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "sid", "jti", "sub"])
def test_every_claim_the_issuer_mints_is_required(verifier, key, claim):
    claims = keys.access_claims()
    del claims[claim]
    assert refusal(verifier, keys.sign(key, claims, typ="at+jwt")) == "missing_claim"


def test_a_set_is_not_an_access_token(verifier, key):
    token = keys.sign_set(key, keys.access_claims())
    assert refusal(verifier, token) == "type"


def test_alg_none_is_refused(verifier, key):
    header = {"alg": "none", "kid": key.kid, "typ": "at+jwt"}
    assert refusal(verifier, keys.forge(header, keys.access_claims(), None)) == (
        "algorithm"
    )


def test_hs256_over_the_public_key_is_refused(verifier, signing_keys):
    """Algorithm confusion: the public PEM used as an HMAC secret."""
    rsa = signing_keys["RS256"]
    header = {"alg": "HS256", "kid": rsa.kid, "typ": "at+jwt"}
    token = keys.forge(header, keys.access_claims(), rsa.public_pem())
    assert refusal(verifier, token) == "algorithm"


def test_an_algorithm_other_than_the_keys_is_refused(verifier, signing_keys):
    """An ES256 token naming the RSA key's kid: the kid's key decides the alg."""
    rsa, ec = signing_keys["RS256"], signing_keys["ES256"]
    token = jwt.encode(
        keys.access_claims(),
        ec.private,
        algorithm="ES256",
        headers={"kid": rsa.kid, "typ": "at+jwt"},
    )
    assert refusal(verifier, token) == "algorithm"


def test_only_asymmetric_algorithms_can_be_pinned(transmitter, revocations):
    for algorithms in (("HS256",), ("none",), ()):
        with pytest.raises(ValueError, match="asymmetric"):
            Verifier(
                keys.ISSUER, keys.AUDIENCE, transmitter.url, revocations, algorithms
            )


def test_an_unpinned_algorithm_is_refused(transmitter, revocations, signing_keys):
    verifier = Verifier(
        keys.ISSUER,
        keys.AUDIENCE,
        f"{transmitter.url}/.well-known/jwks.json",
        revocations,
        algorithms=("ES256",),
    )
    assert refusal(verifier, keys.access_token(signing_keys["RS256"])) == "algorithm"


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b.c", "é.é.é", "x" * 9000, "e30.e30.e30"]
)
def test_garbage_is_refused(verifier, token):
    assert refusal(verifier, token) in {"malformed", "algorithm"}


def test_a_key_in_the_header_is_refused(verifier, key):
    token = keys.sign(key, keys.access_claims(), jku="https://evil.example/jwks")
    assert refusal(verifier, token) == "header"


def test_an_unreachable_jwks_refuses_as_unavailable(transmitter, revocations, key):
    transmitter.jwks_down = True
    verifier = Verifier(
        keys.ISSUER,
        keys.AUDIENCE,
        f"{transmitter.url}/.well-known/jwks.json",
        revocations,
    )
    with pytest.raises(TokenRefused) as refused:
        verifier.verify(keys.access_token(key))
    assert refused.value.reason == "jwks_unavailable"
    assert refused.value.unavailable


def test_the_jwks_is_fetched_once_for_many_tokens(verifier, transmitter, key):
    for _ in range(5):
        verifier.verify(keys.access_token(key))
    assert transmitter.jwks_fetches == 1


# Freshness and its fallback.


def test_stale_knowledge_refuses_every_token(verifier, clock, key):
    token = keys.access_token(key)
    verifier.verify(token)
    clock.advance(31)
    assert refusal(verifier, token) == "stale"


def test_never_heard_refuses_every_token(transmitter, clock, key):
    verifier = Verifier(
        keys.ISSUER,
        keys.AUDIENCE,
        f"{transmitter.url}/.well-known/jwks.json",
        RevocationSet(clock=clock, known_since=0.0),
    )
    assert refusal(verifier, keys.access_token(key)) == "stale"


@pytest.fixture
def introspecting(verifier, transmitter) -> Verifier:
    verifier.introspection = Introspection(
        f"{transmitter.url}/api/auth/introspect/", keys.CLIENT_ID, keys.CLIENT_SECRET
    )
    return verifier


def test_when_stale_introspection_decides(introspecting, transmitter, clock, key):
    live, dead = keys.access_token(key), keys.access_token(key)
    transmitter.introspect = lambda token: token == live
    introspecting.verify(live)
    assert transmitter.introspected == []  # fresh: the set decides alone
    clock.advance(31)
    assert introspecting.verify(live)["sub"] == "42"
    assert refusal(introspecting, dead) == "inactive"
    assert transmitter.introspected == [live, dead]


def test_introspection_is_not_asked_about_a_forged_token(
    introspecting, transmitter, clock
):
    impostor = keys.make_keys()["ES256"]
    clock.advance(31)
    token = keys.access_token(keys.Key("ec-1", "ES256", impostor.private))
    assert refusal(introspecting, token) == "signature"
    assert transmitter.introspected == []


def test_a_known_revocation_refuses_even_with_introspection(
    introspecting, revocations, clock, key
):
    sid = str(uuid.uuid4())
    revocations.revoke(sid)
    clock.advance(31)
    assert refusal(introspecting, keys.access_token(key, sid)) == "revoked"


def test_failing_introspection_refuses_as_unavailable(introspecting, clock, key):
    introspecting.introspection = Introspection(
        "http://127.0.0.1:9/introspect", keys.CLIENT_ID, keys.CLIENT_SECRET
    )
    clock.advance(31)
    assert refusal(introspecting, keys.access_token(key)) == "introspection_failed"


def test_wrong_introspection_credentials_refuse(introspecting, transmitter, clock, key):
    introspecting.introspection = Introspection(
        f"{transmitter.url}/api/auth/introspect/", keys.CLIENT_ID, "wrong"
    )
    clock.advance(31)
    assert refusal(introspecting, keys.access_token(key)) == "introspection_failed"


def test_a_token_issued_before_the_set_knew_everything(transmitter, clock, key):
    """After a restart, revocations applied by the previous process are lost."""
    revocations = RevocationSet(clock=clock, known_since=time.time() + 60)
    revocations.heard()
    verifier = Verifier(
        keys.ISSUER,
        keys.AUDIENCE,
        f"{transmitter.url}/.well-known/jwks.json",
        revocations,
    )
    old = keys.access_token(key)
    assert refusal(verifier, old) == "before_start"
    verifier.introspection = Introspection(
        f"{transmitter.url}/api/auth/introspect/", keys.CLIENT_ID, keys.CLIENT_SECRET
    )
    assert verifier.verify(old)
    assert transmitter.introspected == [old]
    newer = keys.sign(key, keys.access_claims(iat=int(time.time()) + 61), typ="at+jwt")
    with pytest.raises(TokenRefused):  # PyJWT refuses an iat in the future
        verifier.verify(newer)
