"""
The HMAC fast path of ``KeyRingBackend.decode`` agrees with PyJWT.

The fast path may only accept what PyJWT accepts, with the same claims, and
leaves everything else to PyJWT; each case below goes through both.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from rest_framework_simplejwt.exceptions import TokenBackendError

from tokens.signing import (
    REQUIRED_CLAIMS,
    get_key_ring,
    hmac_fast_decode,
    token_backend,
)
from tokens.signing import backend as backends

# Collected once: the cases below are relative to it, and a long suite may run
# them many minutes later, so the base token lives for hours.
NOW = int(time.time())


def claims(settings, **changes: Any) -> dict[str, Any]:
    base = {
        "token_type": "access",
        "iss": settings.TOKENS["ISSUER"],
        "aud": settings.TOKENS["AUDIENCE"],
        "sub": "1",
        "sid": "5d1f0e8a-8a4e-4b43-9b7c-0b8c8f7e2b11",
        "jti": "0b8c8f7e2b115d1f0e8a8a4e4b439b7c",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 4 * 3600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def sign(payload: dict[str, Any], **headers: Any) -> str:
    key = get_key_ring().active
    return jwt.encode(
        payload,
        key.signing_key,
        algorithm=key.algorithm,
        headers={"kid": key.kid, **headers},
    )


def outcome(call) -> Any:
    try:
        return call()
    except TokenBackendError as exc:
        return type(exc)


@pytest.fixture
def both(monkeypatch):
    """Return a function giving the outcome of decode() with and without the
    fast path."""

    def run(token: str) -> tuple[Any, Any]:
        fast = outcome(lambda: token_backend.decode(token))
        with monkeypatch.context() as patch:
            patch.setattr(backends, "hmac_fast_decode", lambda *args: None)
            slow = outcome(lambda: token_backend.decode(token))
        return fast, slow

    return run


CLAIM_CASES = {
    "valid": {},
    "expired": {"exp": NOW - 3600},
    "expired within leeway": {"exp": NOW - 5},
    "not yet valid": {"nbf": NOW + 3600},
    "nbf within leeway": {"nbf": NOW + 5},
    "issued in the future": {"iat": NOW + 3600},
    "float exp": {"exp": NOW + 300.5},
    "string exp": {"exp": str(NOW + 300)},
    "bool exp": {"exp": True},
    "exp past year 9999": {"exp": 10**20},
    "negative nbf": {"nbf": -1},
    "other issuer": {"iss": "someone-else"},
    "other audience": {"aud": "other-api"},
    "audience list": {"aud": ["other-api", "AUDIENCE"]},
    "numeric sub": {"sub": 1},
    "numeric jti": {"jti": 7},
    "null sid": {"sid": None},
    **{f"no {name}": {name: DROP} for name in REQUIRED_CLAIMS},
}


@pytest.mark.parametrize("changes", CLAIM_CASES.values(), ids=CLAIM_CASES.keys())
def test_fast_path_agrees_with_pyjwt_on_claims(settings, both, changes):
    """Every claim case gets the same answer with and without the fast path."""
    if changes.get("aud") == ["other-api", "AUDIENCE"]:
        changes = {"aud": ["other-api", settings.TOKENS["AUDIENCE"]]}
    fast, slow = both(sign(claims(settings, **changes)))
    assert fast == slow


def test_valid_token_is_decoded_by_the_fast_path(settings):
    """The tokens this project mints take the fast path."""
    now = int(time.time())  # NOW is from collection, minutes ago in a long run
    payload = claims(settings, iat=now, nbf=now, exp=now + 300)
    assert hmac_fast_decode(sign(payload), get_key_ring().active) == payload


def tamper(token: str, index: int, new: bytes) -> str:
    parts = token.encode().split(b".")
    parts[index] = new
    return b".".join(parts).decode()


def b64(data: dict[str, Any]) -> bytes:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=")


def test_fast_path_agrees_with_pyjwt_on_malformed_tokens(settings, both):
    """Tampered, padded, re-headed or truncated tokens: both paths refuse alike."""
    token = sign(claims(settings))
    other = claims(settings, sub="2")
    variants = [
        tamper(token, 1, b64(other)),  # payload swapped, signature kept
        tamper(token, 2, b"AAAA"),  # wrong signature
        tamper(token, 2, token.split(".")[2].encode() + b"="),  # padded
        tamper(token, 1, token.split(".")[1].encode() + b"!"),  # junk
        token + ".extra",
        token.rsplit(".", 1)[0],
        sign(claims(settings), cty="JWT"),  # a header field we never mint
        sign(claims(settings), typ="at+jwt"),
    ]
    for variant in variants:
        fast, slow = both(variant)
        assert fast == slow, variant
    assert hmac_fast_decode(variants[0], get_key_ring().active) is None


HEADER_CASES = {
    "typed access": ({}, {"typ": "at+jwt"}),
    "untyped": ({}, {"typ": None}),
    "refresh type on an access token": ({}, {"typ": "refresh+jwt"}),
    "generic JWT type": ({}, {"typ": "JWT"}),
    "typed refresh": ({"token_type": "refresh"}, {"typ": "refresh+jwt"}),
    "access type on a refresh token": ({"token_type": "refresh"}, {"typ": "at+jwt"}),
}


@pytest.mark.parametrize(
    ("changes", "headers"), HEADER_CASES.values(), ids=HEADER_CASES.keys()
)
def test_fast_path_agrees_with_pyjwt_on_token_types(settings, both, changes, headers):
    """The typ check answers alike with and without the fast path."""
    token = sign(claims(settings, **changes), **headers)
    fast, slow = both(token)
    assert fast == slow
    header = token.split(".")[0] + "="
    assert both(f"{header}.{token.split('.', 1)[1]}") == (
        TokenBackendError,
        TokenBackendError,
    )
