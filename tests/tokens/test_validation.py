"""
Strict validation: every hostile or malformed token is a 401 ``{"detail": ...}``.

The tokens are made by hand: valid claims taken from a real login, altered one
at a time, then signed with the test ring's key, so each case fails on exactly
the rule it names, never on the signature. The raw-bytes cases (duplicate keys,
NaN, 1e999) are signed over JSON written out by hand.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.checks import run_checks
from rest_framework_simplejwt.exceptions import TokenBackendError

from tests.tokens.craft import SESSIONS, b64, claims_of, hs_header, sign_hs256
from tokens.signing import REQUIRED_CLAIMS, KeyRingBackend

REFRESH = "/api/auth/token/refresh/"
VERIFY = "/api/auth/token/verify/"
LOGOUT = "/api/auth/logout/"


@pytest.fixture
def pair(user, login) -> dict[str, str]:
    return login(user)


@pytest.fixture
def access_claims(pair) -> dict:
    return claims_of(pair["access"])


def bearer_status(api_client, token: str) -> tuple[int, dict]:
    response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {token}")
    return response.status_code, response.json()


def assert_refused(api_client, token: str) -> None:
    """Refused as an access token, by verify, and as a refresh token."""
    status, body = bearer_status(api_client, token)
    assert status == HTTPStatus.UNAUTHORIZED, body
    assert set(body) >= {"detail"}
    for url, field in ((VERIFY, "token"), (REFRESH, "refresh")):
        response = api_client.post(url, {field: token}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED, (url, response.json())
        assert "detail" in response.json()


def test_an_untouched_hand_signed_token_is_accepted(api_client, access_claims):
    """The crafting itself is sound: unaltered claims re-signed still authenticate."""
    assert bearer_status(api_client, sign_hs256(hs_header(), access_claims))[0] == 200


def _without(name: str) -> Callable[[dict], None]:
    return lambda claims: claims.pop(name)


def _set(name: str, value) -> Callable[[dict], None]:
    def alter(claims: dict) -> None:
        claims[name] = value

    return alter


def _shift(name: str, seconds: int) -> Callable[[dict], None]:
    def alter(claims: dict) -> None:
        claims[name] = int(time.time()) + seconds

    return alter


CLAIM_CASES = {
    # Required claims.
    **{f"missing {name}": _without(name) for name in REQUIRED_CLAIMS},
    # Time claims: typed, bounded, and checked with at most the leeway (10 s).
    "expired beyond leeway": _shift("exp", -60),
    "nbf in the future": _shift("nbf", 120),
    "iat in the future": _shift("iat", 120),
    "string exp": _set("exp", str(int(time.time()) + 300)),
    "float exp": _set("exp", time.time() + 300.5),
    "integral float exp": _set("exp", float(int(time.time()) + 300)),
    "boolean exp": _set("exp", True),
    "huge exp": _set("exp", 10**30),
    "negative exp": _set("exp", -1),
    "array exp": _set("exp", [int(time.time()) + 300]),
    "null exp": _set("exp", None),
    "string iat": _set("iat", str(int(time.time()))),
    "float nbf": _set("nbf", time.time() - 1.5),
    "huge nbf": _set("nbf", 10**400),
    # Issuer and audience.
    "wrong iss": _set("iss", "someone-else"),
    "array iss": _set("iss", ["revocable-jwt"]),
    "wrong aud": _set("aud", "another-api"),
    "aud list without ours": _set("aud", ["another-api"]),
    # Token type and session.
    "token_type refresh": _set("token_type", "refresh"),
    "token_type unknown": _set("token_type", "id"),
    "token_type array": _set("token_type", ["access"]),
    "sid not a uuid": _set("sid", "not-a-uuid"),
    "sid integer": _set("sid", 12),
    "sid with NUL": _set("sid", "00000000-0000-0000-0000-00000000000\x00"),
    "sid unknown": _set("sid", "0f0f0f0f-0000-4000-8000-000000000000"),
    "jti integer": _set("jti", 7),
    # Subject: the user's primary key as a string, nothing else.
    "sub non-numeric": _set("sub", "abc"),
    "sub integer": _set("sub", 1),
    "sub array": _set("sub", ["1"]),
    "sub object": _set("sub", {"id": 1}),
    "sub with NUL": _set("sub", "1\x00"),
    "sub huge number": _set("sub", "9" * 40),
    "sub float": _set("sub", "1.5"),
    "sub empty": _set("sub", ""),
    "sub very long": _set("sub", "1" * 5000),
    "sub other user": _set("sub", "999999"),
}


@pytest.mark.parametrize("alter", CLAIM_CASES.values(), ids=CLAIM_CASES.keys())
def test_bad_claims_are_refused(alter, api_client, access_claims):
    claims = dict(access_claims)
    alter(claims)
    assert_refused(api_client, sign_hs256(hs_header(), claims))


def test_leeway_tolerates_small_skew(api_client, access_claims):
    """Within the leeway (10 s) an expiry or a future nbf/iat is tolerated."""
    now = int(time.time())
    claims = {**access_claims, "exp": now - 5, "nbf": now + 5, "iat": now + 5}
    assert bearer_status(api_client, sign_hs256(hs_header(), claims))[0] == 200


def _raw_payload(claims: dict, tail: str) -> bytes:
    """The claims' JSON with *tail* spliced in before the closing brace."""
    return (json.dumps(claims)[:-1] + ", " + tail + "}").encode()


RAW_PAYLOADS = {
    "duplicate sub": lambda c: _raw_payload(c, '"sub": "999999"'),
    "duplicate token_type": lambda c: _raw_payload(c, '"token_type": "refresh"'),
    "NaN": lambda c: _raw_payload(
        {k: v for k, v in c.items() if k != "exp"}, '"exp": NaN'
    ),
    "Infinity exp": lambda c: _raw_payload(
        {k: v for k, v in c.items() if k != "exp"}, '"exp": Infinity'
    ),
    "1e999 exp": lambda c: _raw_payload(
        {k: v for k, v in c.items() if k != "exp"}, '"exp": 1e999'
    ),
    "array payload": lambda c: json.dumps([c]).encode(),
    "string payload": lambda c: b'"hello"',
    "not JSON": lambda c: b"{exp: 1}",
    "invalid UTF-8": lambda c: b'{"sub": "\xff"}',
    "deeply nested": lambda c: _raw_payload(c, '"x": ' + "[" * 100_000 + "]" * 100_000),
    "empty": lambda c: b"",
}


@pytest.mark.parametrize("make", RAW_PAYLOADS.values(), ids=RAW_PAYLOADS.keys())
def test_malformed_payloads_are_refused(make, api_client, access_claims):
    """Duplicate keys, non-JSON constants, non-objects: 401, whatever the parser."""
    token = sign_hs256(hs_header(), make(access_claims))
    status, body = bearer_status(api_client, token)
    assert status == HTTPStatus.UNAUTHORIZED and "detail" in body


RAW_HEADERS = {
    "duplicate kid": b'{"alg": "HS256", "kid": "unknown", "kid": "primary"}',
    "duplicate alg": b'{"alg": "none", "alg": "HS256", "kid": "primary"}',
    "unknown crit": b'{"alg": "HS256", "kid": "primary", "crit": ["exp"]}',
    "crit b64": b'{"alg": "HS256", "kid": "primary", "b64": false, "crit": ["b64"]}',
    "empty crit": b'{"alg": "HS256", "kid": "primary", "crit": []}',
    "kid array": b'{"alg": "HS256", "kid": ["primary"]}',
    "kid object": b'{"alg": "HS256", "kid": {"$ne": null}}',
    "kid with NUL": b'{"alg": "HS256", "kid": "primary\\u0000"}',
    "alg array": b'{"alg": ["HS256"], "kid": "primary"}',
    "header array": b'["HS256"]',
    "header not JSON": b"alg=HS256",
}


@pytest.mark.parametrize("header", RAW_HEADERS.values(), ids=RAW_HEADERS.keys())
def test_malformed_headers_are_refused(header, api_client, access_claims):
    assert_refused(api_client, sign_hs256(header, access_claims))


SHAPES = {
    "two segments": lambda t: t.rsplit(".", 1)[0],
    "four segments": lambda t: t + ".e30",
    "empty": lambda t: "",
    "dots only": lambda t: "..",
    "bad base64 header": lambda t: "%%%." + t.split(".", 1)[1],
    "bad signature": lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
    "no signature": lambda t: t.rsplit(".", 1)[0] + ".",
    "non-ASCII": lambda t: t + "é",
    "NUL byte": lambda t: t[:10] + "\x00" + t[10:],
    "whitespace inside": lambda t: t[:10] + " " + t[10:],
}


@pytest.mark.parametrize("mangle", SHAPES.values(), ids=SHAPES.keys())
def test_mangled_tokens_are_refused(mangle, api_client, pair):
    token = mangle(pair["access"])
    status, body = bearer_status(api_client, token)
    assert status == HTTPStatus.UNAUTHORIZED and "detail" in body
    response = api_client.post(VERIFY, {"token": token}, format="json")
    assert response.status_code in (400, 401)


def test_oversized_token_is_refused_before_parsing(api_client, access_claims):
    """A validly signed token over 8 KiB is refused as too large."""
    token = sign_hs256(hs_header(), {**access_claims, "pad": "x" * 9000})
    assert len(token) > 8192
    status, body = bearer_status(api_client, token)
    assert status == HTTPStatus.UNAUTHORIZED and "detail" in body


def test_oversized_header_garbage_is_refused(api_client):
    """A 64 KiB Authorization header, or one that is not base64 at all, is a 401."""
    for value in (
        "Bearer " + "A" * 65536,
        "Bearer " + "{" * 9000 + "." * 3,
        "Bearer " + b64(b"{" * 100_000) + ".e30.x",
    ):
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=value)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert "detail" in response.json()


def test_refresh_token_is_not_an_access_token(api_client, pair):
    """A refresh token presented as a Bearer token is a 401."""
    status, body = bearer_status(api_client, pair["refresh"])
    assert status == HTTPStatus.UNAUTHORIZED and "detail" in body


def test_access_token_is_not_a_refresh_token(api_client, pair):
    """An access token cannot be exchanged, nor name a session to log out."""
    for url in (REFRESH, LOGOUT):
        response = api_client.post(url, {"refresh": pair["access"]}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED, url
        assert "detail" in response.json()
    assert bearer_status(api_client, pair["access"])[0] == HTTPStatus.OK


def test_leeway_above_30_seconds_is_a_system_error(settings):
    """LEEWAY is bounded: 30 s passes the checks, 31 s is tokens.E020."""
    settings.TOKENS = {**settings.TOKENS, "LEEWAY": timedelta(seconds=30)}
    assert "tokens.E020" not in {m.id for m in run_checks()}
    settings.TOKENS = {**settings.TOKENS, "LEEWAY": timedelta(seconds=31)}
    assert "tokens.E020" in {m.id for m in run_checks()}


SUB_CASES = {k: v for k, v in CLAIM_CASES.items() if k.startswith("sub")}


def _refresh_with(claims_alter, pair) -> str:
    claims = claims_of(pair["refresh"])
    claims_alter(claims)
    return sign_hs256(hs_header(), claims)


@pytest.mark.parametrize("alter", SUB_CASES.values(), ids=SUB_CASES.keys())
def test_bad_subject_in_a_refresh_token_is_refused_at_logout(alter, api_client, pair):
    """Logout looks the session up by sub: a sub the user key cannot hold is a 401."""
    token = _refresh_with(alter, pair)
    response = api_client.post(LOGOUT, {"refresh": token}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()


@pytest.mark.parametrize("alter", SUB_CASES.values(), ids=SUB_CASES.keys())
def test_bad_subject_in_a_refresh_token_is_refused_at_refresh(alter, api_client, pair):
    token = _refresh_with(alter, pair)
    response = api_client.post(REFRESH, {"refresh": token}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()


def test_size_is_checked_before_anything_is_decoded():
    """Over MAX_TOKEN_BYTES the refusal says "too large", whatever the bytes are."""
    backend = KeyRingBackend()
    for token in ("{" * 9000, b64(b'{"alg": "HS256", "kid": "primary"}') + "." * 9000):
        with pytest.raises(TokenBackendError, match="too large"):
            backend.decode(token)


def test_body_token_limit_follows_max_token_bytes(settings, api_client):
    """A token in a request body is held to MAX_TOKEN_BYTES, not a fixed 8 KiB."""
    settings.TOKENS = {**getattr(settings, "TOKENS", {}), "MAX_TOKEN_BYTES": 100}
    response = api_client.post(VERIFY, {"token": "a" * 101}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "100 characters" in response.json()["token"][0]
    settings.TOKENS = {**settings.TOKENS, "MAX_TOKEN_BYTES": 200}
    response = api_client.post(VERIFY, {"token": "a" * 101}, format="json")
    assert "token" not in response.json()
