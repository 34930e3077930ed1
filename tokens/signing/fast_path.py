"""
The fast path for HMAC tokens: the checks PyJWT makes, done once.

PyJWT re-parses the header, checks the token's alphabet one character at a
time in Python and re-prepares the key on every call: most of the cost of an
authenticated request's decode. For the tokens this project mints (an HMAC
key, the header fields alg/typ/kid, integer times, a string audience) the
checks below are the ones PyJWT makes, done once. Anything else returns None
and is left to PyJWT, so this path accepts only what PyJWT accepts and never
refuses anything itself; tests/tokens/test_decode_fast_path.py compares both.
"""

from __future__ import annotations

import binascii
import hmac
import re
import time
from typing import Any

from tokens.app_settings import app_settings
from tokens.signing.keys import HMAC_DIGESTS, SigningKey
from tokens.signing.parsing import (
    MAX_NUMERIC_DATE,
    NUMERIC_DATE_CLAIMS,
    REQUIRED_CLAIMS,
    _b64decode,
    _loads_strict,
)

_SEGMENT = re.compile(rb"[A-Za-z0-9_-]+")
_PLAIN_HEADER = frozenset({"alg", "typ", "kid"})
_STRING_CLAIMS = ("iss", "aud", "jti", "sub")


def hmac_fast_decode(
    token: str | bytes, key: SigningKey, header: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """
    Return the claims of a plainly valid HMAC token, or None to ask PyJWT.

    *header* is the token's header when the caller has already parsed it.
    """
    try:
        raw = token.encode("ascii") if isinstance(token, str) else token
        segments = raw.split(b".")
        if len(segments) != 3 or not all(_SEGMENT.fullmatch(s) for s in segments):
            return None
        header_b64, payload_b64, signature_b64 = segments
        if header is None:
            header = _loads_strict(_b64decode(header_b64))
        if not header.keys() <= _PLAIN_HEADER or header.get("alg") != key.algorithm:
            return None
        digest = HMAC_DIGESTS[key.algorithm]
        expected = hmac.new(key.verifying_key, raw[: -len(signature_b64) - 1], digest)
        if not hmac.compare_digest(expected.digest(), _b64decode(signature_b64)):
            return None
        claims = _loads_strict(_b64decode(payload_b64))
    except (ValueError, KeyError, binascii.Error, RecursionError, UnicodeError):
        return None
    return claims if _claims_plainly_valid(claims) else None


def _claims_plainly_valid(claims: dict[str, Any]) -> bool:
    if any(claims.get(name) is None for name in REQUIRED_CLAIMS):
        return False
    if not all(type(claims[name]) is str for name in _STRING_CLAIMS):
        return False
    if not all(
        type(claims[name]) is int and 0 <= claims[name] <= MAX_NUMERIC_DATE
        for name in NUMERIC_DATE_CLAIMS
    ):
        return False
    now, leeway = time.time(), app_settings.LEEWAY.total_seconds()
    return bool(
        claims["iss"] == app_settings.ISSUER
        and claims["aud"] == app_settings.AUDIENCE
        and claims["exp"] > now - leeway
        and claims["nbf"] <= now + leeway
        and claims["iat"] <= now + leeway
    )
