"""The key ring: kid selection, algorithms, rotation, alg confusion, JWKS, keygen."""

from __future__ import annotations

import io
import json
import os
import shlex
from http import HTTPStatus

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from tests.tokens.craft import (
    SESSIONS,
    b64,
    claims_of,
    header_of,
    hmac_secret,
    hs_header,
    sign_hs256,
)
from tokens.signing import build_key

JWKS = "/.well-known/jwks.json"


def pem_pair(key) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    return private, public


def new_private_key(algorithm: str):
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def asymmetric_entry(algorithm: str, kid: str) -> dict[str, str]:
    private, public = pem_pair(new_private_key(algorithm))
    return {
        "kid": kid,
        "algorithm": algorithm,
        "private_key": private,
        "public_key": public,
    }


def hmac_entry(kid: str, secret: str | None = None) -> dict[str, str]:
    return {
        "kid": kid,
        "algorithm": "HS256",
        "secret": secret or f"{kid}-secret-0123456789-0123456789-0123456789",
    }


@pytest.fixture
def use_ring(settings):
    """Install a key ring: ``use_ring([entries], active_kid)``."""

    def install(entries: list[dict], active: str | None = None) -> None:
        settings.TOKENS = {
            **settings.TOKENS,
            "SIGNING_KEYS": entries,
            "ACTIVE_KID": active,
        }

    return install


def authorized(api_client, access: str) -> int:
    return api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {access}").status_code


def test_tokens_carry_the_active_kid_and_hs256_by_default(user, login):
    """By default tokens are HS256 and name their key in the header."""
    pair = login(user)
    for token, typ in ((pair["access"], "at+jwt"), (pair["refresh"], "refresh+jwt")):
        assert header_of(token) == {"alg": "HS256", "typ": typ, "kid": "primary"}


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_asymmetric_keys_sign_and_verify(algorithm, use_ring, api_client, user, login):
    """RS256, ES256 and EdDSA rings sign tokens that authenticate and refresh."""
    use_ring([asymmetric_entry(algorithm, "asym")])
    pair = login(user)
    assert header_of(pair["access"])["alg"] == algorithm
    assert header_of(pair["access"])["kid"] == "asym"
    assert authorized(api_client, pair["access"]) == HTTPStatus.OK
    refreshed = api_client.post(
        "/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    assert refreshed.status_code == HTTPStatus.OK


def test_unknown_kid_is_refused(api_client, user, login, django_assert_num_queries):
    """A token whose kid is not in the ring is a 401 before any query."""
    payload = claims_of(login(user)["access"])
    token = sign_hs256(hs_header(kid="someone-else"), payload)
    with django_assert_num_queries(0):
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()


def test_missing_kid_is_refused(api_client, user, login):
    """Keys are never tried in turn: a token without kid is a 401."""
    payload = claims_of(login(user)["access"])
    header = hs_header()
    del header["kid"]
    token = sign_hs256(header, payload)
    assert authorized(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_rotation_without_downtime(use_ring, api_client, user, login):
    """Add verify-only, promote, retire: old tokens work until their key retires."""
    old, new = hmac_entry("old"), hmac_entry("new")
    use_ring([old])
    before = login(user)

    use_ring([old, new], active="old")  # step 1: new key is verify-only
    assert header_of(login(user)["access"])["kid"] == "old"

    use_ring([old, new], active="new")  # step 2: promote
    after = login(user)
    assert header_of(after["access"])["kid"] == "new"
    assert authorized(api_client, before["access"]) == HTTPStatus.OK
    rotated = api_client.post(
        "/api/auth/token/refresh/", {"refresh": before["refresh"]}, format="json"
    )
    assert rotated.status_code == HTTPStatus.OK
    assert header_of(rotated.json()["refresh"])["kid"] == "new"

    use_ring([new], active="new")  # step 3: retire
    assert authorized(api_client, before["access"]) == HTTPStatus.UNAUTHORIZED
    assert authorized(api_client, after["access"]) == HTTPStatus.OK


def test_hs256_signed_with_the_rsa_public_key_is_refused(
    use_ring, api_client, user, login
):
    """Alg confusion: the public key used as an HMAC secret proves nothing."""
    entry = asymmetric_entry("RS256", "rsa")
    use_ring([entry])
    payload = claims_of(login(user)["access"])
    public_pem = entry["public_key"].encode()
    token = sign_hs256({"alg": "HS256", "kid": "rsa"}, payload, secret=public_pem)
    assert authorized(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_alg_none_is_refused(api_client, user, login):
    """An unsigned token (``alg: none``) is a 401."""
    payload = claims_of(login(user)["access"])
    for alg in ("none", "None", "NONE"):
        header = {"alg": alg, "kid": "primary"}
        token = (
            f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}."
        )
        assert authorized(api_client, token) == HTTPStatus.UNAUTHORIZED


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_algorithm_must_match_the_key(api_client, user, login):
    """A key verifies only its own algorithm: HS512 with the HS256 key is refused."""
    payload = claims_of(login(user)["access"])
    token = jwt.encode(
        payload, hmac_secret(), algorithm="HS512", headers={"kid": "primary"}
    )
    assert authorized(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_asymmetric_token_under_an_hmac_kid_is_refused(api_client, user, login):
    """A token signed with an attacker's RSA key under our HMAC kid is a 401."""
    payload = claims_of(login(user)["access"])
    private, _ = pem_pair(new_private_key("RS256"))
    token = jwt.encode(payload, private, algorithm="RS256", headers={"kid": "primary"})
    assert authorized(api_client, token) == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("name", ["jwk", "jku", "x5u", "x5c"])
def test_key_material_in_the_header_is_refused(name, api_client, user, login):
    """Keys are never taken from the token: jwk, jku, x5u, x5c make it a 401."""
    payload = claims_of(login(user)["access"])
    token = sign_hs256(hs_header(**{name: "https://attacker.example/key"}), payload)
    assert authorized(api_client, token) == HTTPStatus.UNAUTHORIZED


def test_jwks_is_empty_for_an_hmac_ring(db, api_client, django_assert_num_queries):
    """Shared secrets are never published: an HMAC-only ring has an empty set."""
    with django_assert_num_queries(0):
        response = api_client.get(JWKS)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"keys": []}
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Content-Type"] == "application/json"


def test_jwks_publishes_public_keys_only(use_ring, api_client, user, login):
    """Every asymmetric key is published with its kid; no private part ever."""
    entries = [
        asymmetric_entry(alg, alg.lower()) for alg in ("RS256", "ES256", "EdDSA")
    ]
    use_ring([*entries, hmac_entry("shared")], active="es256")
    response = api_client.get(JWKS, HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == HTTPStatus.OK
    keys = response.json()["keys"]
    assert {k["kid"] for k in keys} == {"rs256", "es256", "eddsa"}
    for jwk in keys:
        assert jwk["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & jwk.keys()
    # A third party verifies our token with nothing but the published set.
    access = login(user)["access"]
    jwk = next(k for k in keys if k["kid"] == header_of(access)["kid"])
    claims = jwt.decode(
        access,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk["alg"]],
        audience=claims_of(access)["aud"],
    )
    assert claims["token_type"] == "access"


def test_a_private_key_given_as_public_key_is_not_published(use_ring, api_client):
    """A private PEM misplaced in ``public_key`` publishes only its public half."""
    private, _ = pem_pair(new_private_key("RS256"))
    use_ring([{"kid": "rsa", "algorithm": "RS256", "public_key": private}])
    (jwk,) = api_client.get(JWKS).json()["keys"]
    assert "d" not in jwk


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256", "EdDSA"])
def test_generatesigningkey_prints_a_working_key(algorithm, tmp_path, monkeypatch):
    """The command prints a key entry that the ring accepts; it writes no file."""
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(django_settings.BASE_DIR))
    out = io.StringIO()
    call_command(
        "generatesigningkey",
        "--algorithm",
        algorithm,
        "--kid",
        "next",
        "--json",
        stdout=out,
    )
    entry = json.loads(out.getvalue())
    key = build_key(entry)
    assert (key.kid, key.algorithm) == ("next", algorithm)
    token = jwt.encode({"x": 1}, key.signing_key, algorithm=algorithm)
    assert jwt.decode(token, key.verifying_key, algorithms=[algorithm]) == {"x": 1}
    assert set(os.listdir(django_settings.BASE_DIR)) == before
    assert list(tmp_path.iterdir()) == []


def test_generatesigningkey_explains_rotation():
    """Without --json the command prints the entry and the rotation steps."""
    out = io.StringIO()
    call_command("generatesigningkey", "--kid", "k2", stdout=out)
    text = out.getvalue()
    assert "verify-only" in text and "JWT_ACTIVE_KID=k2" in text
    entry = next(line for line in text.splitlines() if line.startswith("{"))
    assert len(json.loads(entry)["secret"]) >= 64


def test_generatesigningkey_refuses_a_kid_in_use():
    with pytest.raises(CommandError, match="already in the key ring"):
        call_command("generatesigningkey", "--kid", "primary", stdout=io.StringIO())


def test_checks_report_a_bad_ring(use_ring):
    """An unknown ACTIVE_KID and a PEM used as an HMAC secret are system errors."""
    _, public = pem_pair(new_private_key("RS256"))
    use_ring(
        [hmac_entry("a"), {"kid": "b", "algorithm": "HS256", "secret": public}],
        active="zzz",
    )
    ids = {message.id for message in run_checks()}
    assert {"tokens.E002", "tokens.E004"} <= ids


def test_generatesigningkey_gives_a_first_key_to_an_empty_ring(settings):
    """With no key yet (the checks would refuse to start), it prints the first ring."""
    settings.TOKENS = {**settings.TOKENS, "SIGNING_KEYS": []}
    out = io.StringIO()
    call_command("generatesigningkey", "--kid", "first", stdout=out)
    text = out.getvalue()
    assert "None" not in text
    (line,) = [line for line in text.splitlines() if line.startswith("JWT_KEYS=")]
    (ring,) = shlex.split(line.split("=", 1)[1])
    assert [entry["kid"] for entry in json.loads(ring)] == ["first"]
    assert 'TOKENS["SIGNING_KEYS"] = [{"kid": "first"' in text
