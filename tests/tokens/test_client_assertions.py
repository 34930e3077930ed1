"""
``private_key_jwt`` (RFC 7523): a resource server that registered a public
key authenticates with a JWT signed by its private key, at the OAuth and the
Shared Signals endpoints; every assertion that does not hold (forged, of
another key or algorithm, expired, long-lived, misaddressed, of another
client, replayed) is the one ``invalid_client``.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
import uuid
from http import HTTPStatus
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.exceptions import ValidationError
from django.test import Client
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from tests.admin_site import grant
from tests.tokens.oauth import INTROSPECT, REVOKE, basic, form_post
from tests.tokens.test_keys import asymmetric_entry
from tokens import client_assertions, services
from tokens.client_assertions import JWT_BEARER
from tokens.models import ResourceServer

ISSUER = "revocable-jwt"
SITE = "http://testserver"
STREAM = "/api/ssf/stream/"
CHANGELIST = "/admin/tokens/resourceserver/"
ALGORITHMS = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}


def new_key(algorithm: str) -> Any:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def public_jwk(private: Any, algorithm: str, kid: str, **members: Any) -> dict:
    jwk = ALGORITHMS[algorithm].to_jwk(private.public_key(), as_dict=True)
    return {**jwk, "kid": kid, **members}


def private_jwk(private: Any, algorithm: str, kid: str) -> dict:
    return {**ALGORITHMS[algorithm].to_jwk(private, as_dict=True), "kid": kid}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    """A resource server that holds the private key of the JWK it registered."""

    def __init__(self, server: ResourceServer, private: Any, algorithm: str) -> None:
        self.server, self.private, self.algorithm = server, private, algorithm
        self.kid = "k1"

    def claims(self, aud: Any = SITE + INTROSPECT, **changes: Any) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.server.client_id,
            "sub": self.server.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict | None = None, **headers: Any) -> str:
        return jwt.encode(
            claims or self.claims(),
            self.private,
            algorithm=self.algorithm,
            headers={"kid": self.kid, **headers},
        )


def fields(assertion: str, **extra: Any) -> dict[str, Any]:
    return {"client_assertion_type": JWT_BEARER, "client_assertion": assertion, **extra}


@pytest.fixture
def register(db):
    def make(algorithm: str = "EdDSA", *, name: str = "orders") -> Signer:
        private = new_key(algorithm)
        server, _secret = ResourceServer.objects.create_with_secret(
            name=name, jwks={"keys": [public_jwk(private, algorithm, "k1")]}
        )
        return Signer(server, private, algorithm)

    return make


@pytest.fixture
def signer(register) -> Signer:
    return register("EdDSA")


@pytest.fixture
def access(user) -> str:
    return services.session_create(user=user).access


def introspect(access: str, assertion: str, **extra: Any) -> Any:
    return form_post(INTROSPECT, {"token": access, **fields(assertion, **extra)})


pytestmark = pytest.mark.usefixtures("oauth_on")


# Accepted ----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_an_assertion_authenticates_at_introspection(register, access, algorithm):
    signer = register(algorithm)
    response = introspect(access, signer.sign())
    assert response.status_code == HTTPStatus.OK
    assert response.json()["active"] is True
    signer.server.refresh_from_db()
    assert signer.server.last_used_at is not None


@pytest.mark.parametrize("aud", [ISSUER, [ISSUER, "x"], [SITE + INTROSPECT]])
def test_the_audience_is_the_issuer_or_the_endpoint(signer, access, aud):
    response = introspect(access, signer.sign(signer.claims(aud=aud)))
    assert response.json()["active"] is True


def test_with_public_url_the_endpoint_is_on_that_origin(signer, access, settings):
    settings.TOKENS = {**settings.TOKENS, "PUBLIC_URL": "https://auth.example.com"}
    on_public = signer.claims(aud="https://auth.example.com" + INTROSPECT)
    assert introspect(access, signer.sign(on_public)).status_code == HTTPStatus.OK
    on_host = signer.claims(aud=SITE + INTROSPECT)
    assert introspect(access, signer.sign(on_host)).status_code == 401


def test_a_client_id_beside_it_must_be_the_issuer(signer, access):
    same = introspect(access, signer.sign(), client_id=signer.server.client_id)
    assert same.status_code == HTTPStatus.OK
    other = introspect(access, signer.sign(), client_id="f" * 32)
    assert other.status_code == HTTPStatus.UNAUTHORIZED


def test_the_kid_picks_the_key(db, access):
    old, new = new_key("ES256"), new_key("EdDSA")
    server, _ = ResourceServer.objects.create_with_secret(
        name="two",
        jwks={
            "keys": [public_jwk(old, "ES256", "old"), public_jwk(new, "EdDSA", "new")]
        },
    )
    for private, algorithm, kid in [(old, "ES256", "old"), (new, "EdDSA", "new")]:
        signer = Signer(server, private, algorithm)
        signer.kid = kid
        assert introspect(access, signer.sign()).status_code == HTTPStatus.OK


def test_revocation_takes_an_assertion(signer, user):
    pair = services.session_create(user=user)
    assertion = signer.sign(signer.claims(aud=SITE + REVOKE))
    response = form_post(REVOKE, {"token": pair.refresh, **fields(assertion)})
    assert response.status_code == HTTPStatus.OK
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is not None


@pytest.fixture
def signals_on(settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "SECURITY_EVENTS": True,
        "SIGNING_KEYS": [asymmetric_entry("EdDSA", "ed")],
        "ACTIVE_KID": "ed",
    }


def test_an_assertion_authenticates_at_the_ssf_endpoints(signals_on, signer):
    api = Client()
    created = api.post(
        STREAM,
        json.dumps(
            {
                "delivery": {"method": "urn:ietf:rfc:8936"},
                **fields(signer.sign(signer.claims(aud=SITE + STREAM))),
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    body = json.dumps(fields(signer.sign(signer.claims(aud=ISSUER))))
    listed = api.generic("GET", STREAM, body, content_type="application/json")
    assert listed.status_code == HTTPStatus.OK
    assert [s["stream_id"] for s in listed.json()] == [created.json()["stream_id"]]
    replayed = api.generic("GET", STREAM, body, content_type="application/json")
    assert replayed.status_code == HTTPStatus.UNAUTHORIZED


def test_an_ssf_assertion_is_refused_as_at_introspection(signals_on, signer):
    wrong = signer.sign(signer.claims(aud="https://elsewhere.example/"))
    response = Client().generic(
        "GET", STREAM, json.dumps(fields(wrong)), content_type="application/json"
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED


# Refused -------------------------------------------------------------------------


def _unsigned(signer: Signer, alg: str, key: bytes | None = None) -> str:
    header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": signer.kid}).encode())
    payload = b64(json.dumps(signer.claims()).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = b"" if key is None else hmac.new(key, signing_input, "sha256").digest()
    return f"{header}.{payload}.{b64(signature)}"


def _public_pem(signer: Signer) -> bytes:
    return signer.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


REFUSALS = {
    "wrong_key": lambda s: jwt.encode(
        s.claims(), new_key("EdDSA"), algorithm="EdDSA", headers={"kid": "k1"}
    ),
    "unknown_kid": lambda s: s.sign(kid="k2"),
    "alg_none": lambda s: _unsigned(s, "none"),
    "hs256_public_key": lambda s: _unsigned(s, "HS256", _public_pem(s)),
    "expired": lambda s: s.sign(s.claims(exp=int(time.time()) - 120)),
    "exp_too_far": lambda s: s.sign(s.claims(exp=int(time.time()) + 3600)),
    "no_exp": lambda s: s.sign(s.claims(exp=None)),
    "iat_in_the_future": lambda s: s.sign(s.claims(iat=int(time.time()) + 600)),
    "wrong_aud": lambda s: s.sign(s.claims(aud="https://elsewhere.example/")),
    "other_endpoint_aud": lambda s: s.sign(s.claims(aud=SITE + REVOKE)),
    "no_aud": lambda s: s.sign(s.claims(aud=None)),
    "iss_is_not_sub": lambda s: s.sign(s.claims(sub="f" * 32)),
    "unknown_client": lambda s: s.sign(s.claims(iss="f" * 32, sub="f" * 32)),
    "no_jti": lambda s: s.sign(s.claims(jti=None)),
    "numeric_jti": lambda s: s.sign(s.claims(jti=7)),
    "garbage": lambda s: "not.a.jwt",
    "empty": lambda s: "",
}


# Why each is refused, as the security log tells (the answer never does).
REASONS = {
    "wrong_key": "bad_signature",
    "unknown_kid": "unknown_key",
    "alg_none": "bad_algorithm",
    "hs256_public_key": "bad_algorithm",
    "expired": "expired",
    "exp_too_far": "long_lived",
    "no_exp": "missing_claim",
    "iat_in_the_future": "invalid_claims",
    "wrong_aud": "bad_audience",
    "other_endpoint_aud": "bad_audience",
    "no_aud": "missing_claim",
    "iss_is_not_sub": "invalid_claims",
    "unknown_client": "unknown_client",
    "no_jti": "missing_claim",
    "numeric_jti": "invalid_claims",
    "garbage": "malformed",
    "empty": "malformed",
    "inactive": "inactive",
    "no_jwks": "unknown_key",
    "bad_type": "malformed",
}


@pytest.mark.parametrize("how", [*REFUSALS, "inactive", "no_jwks", "bad_type"])
def test_every_refusal_is_the_same_invalid_client(signer, access, how, caplog):
    if how == "inactive":
        ResourceServer.objects.filter(pk=signer.server.pk).update(is_active=False)
    if how == "no_jwks":
        ResourceServer.objects.filter(pk=signer.server.pk).update(jwks=None)
    assertion = signer.sign() if how in ("inactive", "no_jwks", "bad_type") else (
        REFUSALS[how](signer)
    )  # fmt: skip
    data = {"token": access, **fields(assertion)}
    if how == "bad_type":
        data["client_assertion_type"] = (
            "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
        )
    baseline = form_post(INTROSPECT, {"token": access})  # no credentials at all
    caplog.clear()
    with caplog.at_level(logging.WARNING, "tokens.security"):
        response = form_post(INTROSPECT, data)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.content == baseline.content
    assert response["WWW-Authenticate"] == baseline["WWW-Authenticate"]
    assert response.json()["error"] == "invalid_client"
    events = [
        r for r in caplog.records if getattr(r, "event", None) == "client_auth_failed"
    ]
    assert len(events) == 1 and events[0].method == "private_key_jwt"
    assert events[0].reason == REASONS[how]
    if assertion:
        assert assertion not in str(vars(events[0])), "never logged"


def test_a_jti_is_accepted_once(signer, access, caplog):
    assertion = signer.sign()
    assert introspect(access, assertion).status_code == HTTPStatus.OK
    with caplog.at_level(logging.WARNING, "tokens.security"):
        second = introspect(access, assertion)
    assert second.status_code == HTTPStatus.UNAUTHORIZED
    (event,) = [
        r for r in caplog.records if getattr(r, "event", None) == "client_auth_failed"
    ]
    assert (event.reason, event.client_id) == ("replayed", signer.server.client_id)
    # Another jti of the same server is a first use.
    assert introspect(access, signer.sign()).status_code == HTTPStatus.OK


def test_a_forged_assertion_does_not_use_up_its_jti(signer, access):
    claims = signer.claims()
    forged = jwt.encode(
        claims, new_key("EdDSA"), algorithm="EdDSA", headers={"kid": "k1"}
    )
    assert introspect(access, forged).status_code == HTTPStatus.UNAUTHORIZED
    assert introspect(access, signer.sign(claims)).status_code == HTTPStatus.OK


def test_the_jti_is_remembered_until_the_assertion_expires(signer, access, monkeypatch):
    timeouts = []
    real = client_assertions.replay_cache

    class Spy:
        def add(self, key, value, timeout):
            timeouts.append(timeout)
            return real().add(key, value, timeout=timeout)

    monkeypatch.setattr(client_assertions, "replay_cache", Spy)
    introspect(access, signer.sign(signer.claims(exp=int(time.time()) + 100)))
    (timeout,) = timeouts
    assert 100 <= timeout <= 100 + client_assertions.LEEWAY + 1


def test_a_cache_failure_refuses(signer, access, monkeypatch):
    class Broken:
        def add(self, *args, **kwargs):
            raise ConnectionError("cache down")

    monkeypatch.setattr(client_assertions, "replay_cache", Broken)
    assert introspect(access, signer.sign()).status_code == HTTPStatus.UNAUTHORIZED


def test_refusals_count_against_the_failure_throttle(signer, access, rates):
    rates(client_auth_ip="3/min")
    for _ in range(3):
        bad = signer.sign(signer.claims(aud="https://elsewhere.example/"))
        assert introspect(access, bad).status_code == HTTPStatus.UNAUTHORIZED
    response = introspect(access, signer.sign())
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


# Two methods ---------------------------------------------------------------------


@pytest.fixture
def with_secret(db):
    private = new_key("EdDSA")
    server, secret = ResourceServer.objects.create_with_secret(
        name="both", jwks={"keys": [public_jwk(private, "EdDSA", "k1")]}
    )
    return Signer(server, private, "EdDSA"), secret


def test_an_assertion_and_a_secret_is_invalid_request(with_secret, access):
    signer, secret = with_secret
    posted = introspect(
        access, signer.sign(), client_id=signer.server.client_id, client_secret=secret
    )
    basic_too = form_post(
        INTROSPECT,
        {"token": access, **fields(signer.sign())},
        HTTP_AUTHORIZATION=basic(signer.server.client_id, secret),
    )
    for response in (posted, basic_too):
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["error"] == "invalid_request"


def test_a_repeated_assertion_field_is_invalid_request(signer, access):
    body = {"token": access, **fields(signer.sign())}
    body["client_assertion"] = [body["client_assertion"]] * 2
    response = form_post(INTROSPECT, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_server_with_keys_keeps_its_secret(with_secret, access):
    signer, secret = with_secret
    response = form_post(
        INTROSPECT,
        {"token": access},
        HTTP_AUTHORIZATION=basic(signer.server.client_id, secret),
    )
    assert response.json()["active"] is True


# Registering keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    "jwks",
    [
        lambda: {"keys": [private_jwk(new_key("EdDSA"), "EdDSA", "k")]},
        lambda: {"keys": [private_jwk(new_key("RS256"), "RS256", "k")]},
        lambda: {"keys": [private_jwk(new_key("ES256"), "ES256", "k")]},
        lambda: {"keys": [{"kty": "oct", "k": b64(b"s" * 32), "kid": "k"}]},
        lambda: {"keys": [public_jwk(new_key("EdDSA"), "EdDSA", "k", alg="HS256")]},
        lambda: {"keys": [public_jwk(new_key("ES256"), "ES256", "k", use="enc")]},
        lambda: {"keys": []},
        lambda: [public_jwk(new_key("EdDSA"), "EdDSA", "k")],
        lambda: {"keys": [public_jwk(new_key("EdDSA"), "EdDSA", "a")] * 2},
        lambda: {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "short"}]},
    ],
)
def test_the_model_refuses_what_is_no_public_signing_key(db, jwks):
    server = ResourceServer(name="x", jwks=jwks())
    with pytest.raises(ValidationError):
        server.full_clean()


def test_a_small_rsa_key_is_refused(db):
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    server = ResourceServer(name="x", jwks={"keys": [public_jwk(small, "RS256", "k")]})
    with pytest.raises(ValidationError):
        server.full_clean()


@pytest.fixture
def staff(make_user):
    user = make_user(is_staff=True)
    perms = ("view", "add", "change")
    client = Client()
    client.force_login(grant(user, *(f"tokens.{p}_resourceserver" for p in perms)))
    return client


def test_the_admin_registers_a_public_key(staff):
    jwks = {"keys": [public_jwk(new_key("ES256"), "ES256", "k1")]}
    response = staff.post(
        CHANGELIST + "add/",
        {"name": "billing", "audience": "", "jwks": json.dumps(jwks)},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert ResourceServer.objects.get(name="billing").jwks == jwks


def test_the_admin_refuses_a_private_key_with_a_form_error(staff):
    jwks = {"keys": [private_jwk(new_key("EdDSA"), "EdDSA", "k1")]}
    response = staff.post(
        CHANGELIST + "add/",
        {"name": "billing", "audience": "", "jwks": json.dumps(jwks)},
    )
    assert response.status_code == HTTPStatus.OK
    errors = response.context["adminform"].form.errors["jwks"]
    assert "private key members (d)" in errors[0]
    assert not ResourceServer.objects.filter(name="billing").exists()
