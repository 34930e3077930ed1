"""
Strict parsing: a token has exactly one spelling, and one reading.

Each segment must be canonical unpadded base64url (RFC 7515 §2, §3.1), so a
token has exactly one spelling. Its JSON may not repeat a key, nor hold NaN or
Infinity (RFC 8259 §6), so it reads the same to every parser; ``exp``, ``iat``
and ``nbf`` are integers, at most the end of the year 9999. The header may not
carry key material (``jwk``, ``jku``, ``x5u``, ``x5c``) nor ``crit``, and its
``alg`` must be the one algorithm of the key its ``kid`` names.

``aud`` must be our audience as a string; and tokens are explicitly typed (RFC
8725 §3.11): the ``typ`` header is ``at+jwt`` on access tokens (RFC 9068 §2.1)
and ``refresh+jwt`` on refresh tokens, and must agree with the ``token_type``
claim. Tokens minted before typing carry no ``typ``; they are accepted until
``UNTYPED_TOKENS_UNTIL``. Every token carries ``REQUIRED_CLAIMS``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from datetime import datetime
from typing import Any, cast

import jwt
from rest_framework_simplejwt.exceptions import TokenBackendError

from tokens.app_settings import app_settings
from tokens.signing.keys import SigningKey

FORBIDDEN_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c"})
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "jti", "sub", "sid", "token_type"]
NUMERIC_DATE_CLAIMS = ("exp", "iat", "nbf")
# 9999-12-31T23:59:59Z: any later date is an attack or a bug, and would not fit
# in a datetime.
MAX_NUMERIC_DATE = 253402300799
# Media types of the ``typ`` header, by ``token_type`` claim.
TOKEN_TYPES = {"access": "at+jwt", "refresh": "refresh+jwt"}
_STRICT_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")
_B64URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a token whose claims read
    # differently to different parsers is refused instead.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key in JSON object")
    return result


def _reject_constant(name: str) -> None:
    # NaN and Infinity are not JSON (RFC 8259 §6), though Python's json reads them.
    raise ValueError(f"{name} is not valid JSON")


def _loads_strict(data: bytes) -> dict[str, Any]:
    value = json.loads(
        data, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
    )
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _check_numeric_dates(payload: dict[str, Any]) -> None:
    # PyJWT accepts "exp": "1700000000" and 1.7e9 (it calls int()); ours are
    # integers, so anything else was not minted here.
    for name in NUMERIC_DATE_CLAIMS:
        value = payload.get(name)
        if value is None:
            continue
        if type(value) is not int or not 0 <= value <= MAX_NUMERIC_DATE:
            raise ValueError(f"claim {name!r} is not an integer date")


class _StrictPyJWT(jwt.PyJWT):
    def _decode_payload(self, decoded: dict[str, Any]) -> dict[str, Any]:
        try:
            payload = _loads_strict(decoded["payload"])
            _check_numeric_dates(payload)
        except (ValueError, RecursionError, UnicodeDecodeError) as exc:
            raise jwt.DecodeError("Invalid payload") from exc
        return payload


_jwt = _StrictPyJWT()


def _final_characters(unused_bits: int) -> frozenset[int]:
    mask = (1 << unused_bits) - 1
    return frozenset(c for i, c in enumerate(_B64URL_ALPHABET) if not i & mask)


# By length modulo 4: the characters a segment may end with (RFC 4648 §3.5:
# the bits a final character carries beyond the data must be zero).
_FINAL_CHARACTERS = {2: _final_characters(4), 3: _final_characters(2)}
_TOKEN_SHAPE = re.compile(rb"([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)")


def _canonical_length_and_end(segment: bytes) -> bool:
    remainder = len(segment) % 4
    if remainder == 1:  # never the length of a base64 encoding
        return False
    return not remainder or segment[-1] in _FINAL_CHARACTERS[remainder]


def is_canonical_base64url(segment: bytes) -> bool:
    """
    Return whether *segment* is the one base64url spelling of its bytes.

    RFC 7515 §2 defines base64url without padding, and without whitespace or
    other characters. A final character may only have zero bits where it
    carries fewer than six bits of data (RFC 4648 §3.5): ``Zm9v``'s last
    character is canonical, ``Zm9w`` decodes to the same bytes with one
    character changed, and is refused.
    """
    return bool(_STRICT_SEGMENT.fullmatch(segment)) and _canonical_length_and_end(
        segment
    )


def _b64decode(segment: bytes) -> bytes:
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def split_token(token: str | bytes) -> tuple[bytes, ...]:
    """Return the three segments of a compact JWS; TokenBackendError if malformed."""
    if isinstance(token, str):
        token = token.encode("ascii", "replace")
    shape = _TOKEN_SHAPE.fullmatch(token)
    if shape is None or not all(map(_canonical_length_and_end, shape.groups())):
        raise TokenBackendError("Token is malformed")
    return shape.groups()


def read_header(token: str | bytes) -> dict[str, Any]:
    """Return a token's header, unverified; TokenBackendError if malformed."""
    segment = split_token(token)[0]
    try:
        return _loads_strict(_b64decode(segment))
    except (ValueError, binascii.Error, RecursionError, UnicodeDecodeError) as exc:
        raise TokenBackendError("Token is malformed") from exc


def _checked_header(token: str | bytes) -> dict[str, Any]:
    if len(token) > app_settings.MAX_TOKEN_BYTES:
        raise TokenBackendError("Token is too large")
    header = read_header(token)
    if FORBIDDEN_HEADERS & header.keys() or "crit" in header:
        raise TokenBackendError("Token header is not acceptable")
    return header


def _check_algorithm(header: dict[str, Any], key: SigningKey) -> None:
    if header.get("alg") != key.algorithm:
        raise TokenBackendError("Token algorithm is not allowed")


_jws = jwt.PyJWS()


def jws_verify(token: str | bytes, key: SigningKey) -> bytes:
    """
    Verify the signature layer of a compact JWS with *key*; return its payload.

    The same checks as ``KeyRingBackend.decode`` up to the claims: size,
    canonical segments, strict header, the key's one algorithm, the signature.
    TokenBackendError if any fails. The Wycheproof JWS vectors run through this.
    """
    header = _checked_header(token)
    if header.get("kid") != key.kid:
        raise TokenBackendError("Token signing key is unknown")
    _check_algorithm(header, key)
    try:
        decoded = _jws.decode_complete(
            token, key.verifying_key, algorithms=[key.algorithm]
        )
    except (jwt.InvalidTokenError, TypeError, ValueError) as exc:
        raise TokenBackendError("Token is invalid") from exc
    return cast(bytes, decoded["payload"])


def _media_type(value: Any) -> str | None:
    # RFC 7515 §4.1.9: compared case-insensitively, "application/" may be left out.
    if not isinstance(value, str):
        return None
    return value.lower().removeprefix("application/")


def check_token_type(header: dict[str, Any], payload: dict[str, Any]) -> None:
    """
    Refuse a token whose ``typ`` header does not match its ``token_type``.

    A token without ``typ`` is one minted before tokens were typed: accepted
    only until ``UNTYPED_TOKENS_UNTIL`` (SECURITY.md, "Token format").
    """
    token_type = payload.get("token_type")
    expected = TOKEN_TYPES.get(token_type) if isinstance(token_type, str) else None
    if "typ" not in header:
        until = app_settings.UNTYPED_TOKENS_UNTIL
        # Anything but a datetime (a typo, a string) closes the window.
        if expected and isinstance(until, datetime) and time.time() < until.timestamp():
            return
        raise TokenBackendError("Token has no type")
    if expected is None or _media_type(header["typ"]) != expected:
        raise TokenBackendError("Token has wrong type")


def check_audience(payload: dict[str, Any]) -> None:
    """Refuse any ``aud`` but our audience as a string (PyJWT accepts a list)."""
    audience = payload.get("aud")
    if type(audience) is not str or audience != app_settings.AUDIENCE:
        raise TokenBackendError("Token audience is not ours")
