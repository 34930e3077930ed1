"""
The key ring: sign with one active key, verify with the key a token's ``kid`` names.

Keys are chosen by ``kid`` only, never by trying them in turn, and never from
key material in the token (``jwk``, ``jku``, ``x5u``, ``x5c`` are refused).
Each key allows exactly one algorithm (RFC 8725 §3.1, §3.2).

Parsing is strict: each segment must be canonical unpadded base64url (RFC 7515
§2, §3.1), so a token has exactly one spelling; ``aud`` must be our audience as
a string; and tokens are explicitly typed (RFC 8725 §3.11): the ``typ`` header
is ``at+jwt`` on access tokens (RFC 9068 §2.1) and ``refresh+jwt`` on refresh
tokens, and must agree with the ``token_type`` claim. Tokens minted before
typing carry no ``typ``; they are accepted until ``UNTYPED_TOKENS_UNTIL``.

``KeyRingBackend`` has SimpleJWT's ``TokenBackend`` interface (``encode``,
``decode``, ``get_leeway``), so SimpleJWT's ``Token`` classes sign and verify
through it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, cast

import jwt
from django.core.signals import setting_changed
from django.dispatch import receiver
from jwt.algorithms import get_default_algorithms
from rest_framework_simplejwt.exceptions import (
    TokenBackendError,
    TokenBackendExpiredToken,
)

from tokens.app_settings import app_settings

HMAC_DIGESTS = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}
HMAC_ALGORITHMS = frozenset(HMAC_DIGESTS)
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA"}
)
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS
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


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    signing_key: Any
    verifying_key: Any

    @property
    def is_symmetric(self) -> bool:
        return self.algorithm in HMAC_ALGORITHMS

    def public_jwk(self) -> dict[str, Any] | None:
        """Return the public key as a JWK, or None for a shared secret."""
        if self.is_symmetric:
            return None
        algorithm = get_default_algorithms()[self.algorithm]
        jwk = algorithm.to_jwk(self.verifying_key, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def build_key(entry: dict[str, Any]) -> SigningKey:
    """Turn one ``SIGNING_KEYS`` entry into a prepared key (ValueError if invalid)."""
    kid, algorithm = entry.get("kid"), entry.get("algorithm", "HS256")
    if not isinstance(kid, str) or not kid:
        raise ValueError("every key needs a non-empty string 'kid'")
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"key {kid!r}: unsupported algorithm {algorithm!r}")
    try:
        return _prepare_key(kid, algorithm, entry)
    except jwt.InvalidKeyError as exc:
        # PyJWT refuses, among others, a PEM key used as an HMAC secret.
        raise ValueError(f"key {kid!r}: {exc}") from exc


def _prepare_key(kid: str, algorithm: str, entry: dict[str, Any]) -> SigningKey:
    algorithms = get_default_algorithms()
    if algorithm not in algorithms:
        # PyJWT offers RSA, EC and EdDSA only with cryptography installed.
        raise ValueError(f"key {kid!r}: {algorithm} needs the cryptography package")
    alg = algorithms[algorithm]
    if algorithm in HMAC_ALGORITHMS:
        secret = alg.prepare_key(entry.get("secret") or "")
        return SigningKey(kid, algorithm, secret, secret)
    private = entry.get("private_key")
    public = entry.get("public_key")
    if not private and not public:
        raise ValueError(f"key {kid!r}: needs 'private_key' and/or 'public_key'")
    signing = alg.prepare_key(private) if private else None
    # Without a public key there is a private one, so signing is set.
    verifying = alg.prepare_key(public) if public else signing.public_key()  # type: ignore[union-attr]
    if hasattr(verifying, "private_bytes"):
        # A private key given as 'public_key' must never reach the JWKS.
        verifying = verifying.public_key()
    return SigningKey(kid, algorithm, signing, verifying)


class VerifiedTokens:
    """
    Claims of the tokens this process has verified, by the token's SHA-256.

    Verifying the same bytes again gives the same answer until the token
    expires, as long as the keys and settings it was checked against stay: the
    key ring that holds this is rebuilt when they change. A hit skips parsing,
    the signature and the claim checks (the bulk of an authenticated request's
    CPU, bench/notes.md); only ``exp`` is checked again. It decides nothing
    about revocation: the session is checked on every request all the same.
    The digest is kept, never the token. First in, first out, *size* at most.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        # digest -> (claims, the moment exp passes, leeway included)
        self.entries: dict[bytes, tuple[dict[str, Any], float]] = {}

    def get(self, digest: bytes) -> dict[str, Any] | None:
        entry = self.entries.get(digest)
        if entry is None:
            return None
        claims, expires = entry
        if time.time() >= expires:
            self.entries.pop(digest, None)
            return None
        # A copy: SimpleJWT's token API lets a caller change its payload.
        return dict(claims)

    def add(
        self, digest: bytes, header: dict[str, Any], claims: dict[str, Any]
    ) -> None:
        if self.size <= 0 or not _rememberable(header, claims):
            return
        expires = claims["exp"] + app_settings.LEEWAY.total_seconds()
        # Reads need no lock (one dict operation each); of two threads adding,
        # one must not iterate while the other changes the dict.
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.pop(next(iter(self.entries)), None)
            self.entries[digest] = (dict(claims), expires)


_SCALARS = (str, int, float, bool, type(None))


def _rememberable(header: dict[str, Any], claims: dict[str, Any]) -> bool:
    # An access token: a refresh token is used once. Typed: an untyped one is
    # accepted only until a date, so it is checked in full every time. Flat:
    # the copy a hit returns is shallow, and a caller may change what it gets.
    return (
        claims.get("token_type") == "access"
        and "typ" in header
        and all(type(value) in _SCALARS for value in claims.values())
    )


class KeyRing:
    def __init__(self, keys: list[SigningKey], active_kid: str | None) -> None:
        self.keys = {key.kid: key for key in keys}
        first = keys[0] if keys else None
        self.active = self.keys[active_kid] if active_kid else first
        self.verified = VerifiedTokens(app_settings.VERIFIED_TOKENS_CACHE)

    @classmethod
    def from_settings(cls) -> KeyRing:
        keys = [build_key(entry) for entry in app_settings.SIGNING_KEYS]
        return cls(keys, app_settings.ACTIVE_KID)

    def get(self, kid: Any) -> SigningKey | None:
        return self.keys.get(kid) if isinstance(kid, str) else None

    @cached_property
    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """Return the ring's public keys as a JWK Set (RFC 7517 §5)."""
        public = (key.public_jwk() for key in self.keys.values())
        return {"keys": [jwk for jwk in public if jwk is not None]}


_key_ring: KeyRing | None = None


def get_key_ring() -> KeyRing:
    """Return the key ring, built once per process from the settings."""
    global _key_ring
    if _key_ring is None:
        _key_ring = KeyRing.from_settings()
    return _key_ring


@receiver(setting_changed)
def _reset_key_ring(*, setting: str, **kwargs: Any) -> None:
    global _key_ring
    # SIMPLE_JWT: where TOKENS sets no issuer, audience or leeway, they come
    # from there, and the ring's verified tokens were checked against them.
    if setting in ("TOKENS", "SIMPLE_JWT"):
        _key_ring = None


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


def _ascii(token: str | bytes) -> bytes | None:
    # A token is ASCII; anything else is left to the full path to refuse.
    if isinstance(token, bytes):
        return token
    try:
        return token.encode("ascii")
    except UnicodeEncodeError:
        return None


class KeyRingBackend:
    """Sign and verify JWTs with the configured key ring."""

    def get_leeway(self) -> timedelta:
        return app_settings.LEEWAY

    def encode(self, payload: dict[str, Any]) -> str:
        key = get_key_ring().active
        if key is None or key.signing_key is None:
            raise TokenBackendError("No signing key is configured")
        headers = {"kid": key.kid, "typ": TOKEN_TYPES[payload["token_type"]]}
        return jwt.encode(
            payload, key.signing_key, algorithm=key.algorithm, headers=headers
        )

    def select_key(self, token: str | bytes) -> SigningKey:
        """Return the key named by the token's ``kid``, refusing anything else."""
        return self._select_key(token)[0]

    def _select_key(self, token: str | bytes) -> tuple[SigningKey, dict[str, Any]]:
        header = _checked_header(token)
        key = get_key_ring().get(header.get("kid"))
        if key is None:
            raise TokenBackendError("Token signing key is unknown")
        _check_algorithm(header, key)
        return key, header

    def decode(
        self, token: str | bytes, verify: bool = True, *, verify_exp: bool = True
    ) -> dict[str, Any]:
        """
        Verify *token* and return its claims; TokenBackendError if it is not valid.

        With ``verify_exp=False`` an expired token is still accepted (the admin's
        revoke-a-token page inspects them); the signature is always checked.
        """
        raw = _ascii(token)
        if not (verify and verify_exp) or raw is None:
            return self._decode_with_header(token, verify, verify_exp)[1]
        if len(raw) > app_settings.MAX_TOKEN_BYTES:  # before hashing it
            raise TokenBackendError("Token is too large")
        digest = hashlib.sha256(raw).digest()
        verified = get_key_ring().verified
        payload = verified.get(digest)
        if payload is None:
            header, payload = self._decode_with_header(token, True, True)
            verified.add(digest, header, payload)
        return payload

    def _decode_with_header(
        self, token: str | bytes, verify: bool, verify_exp: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        key, header = self._select_key(token)
        payload = self._decode_claims(token, key, header, verify, verify_exp)
        check_audience(payload)
        check_token_type(header, payload)
        return header, payload

    def _decode_claims(
        self,
        token: str | bytes,
        key: SigningKey,
        header: dict[str, Any],
        verify: bool,
        verify_exp: bool,
    ) -> dict[str, Any]:
        if verify and verify_exp and key.is_symmetric:
            payload = hmac_fast_decode(token, key, header)
            if payload is not None:
                return payload
        try:
            return _jwt.decode(
                token,
                key.verifying_key,
                algorithms=[key.algorithm],
                audience=app_settings.AUDIENCE,
                issuer=app_settings.ISSUER,
                leeway=app_settings.LEEWAY,
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_signature": verify,
                    "verify_exp": verify_exp,
                },
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken("Token is expired") from exc
        except (jwt.InvalidTokenError, TypeError, ValueError, OverflowError) as exc:
            raise TokenBackendError("Token is invalid") from exc


token_backend = KeyRingBackend()


# Fast path for HMAC tokens ---------------------------------------------------
# PyJWT re-parses the header, checks the token's alphabet one character at a
# time in Python and re-prepares the key on every call: most of the cost of an
# authenticated request's decode. For the tokens this project mints (an HMAC
# key, the header fields alg/typ/kid, integer times, a string audience) the
# checks below are the ones PyJWT makes, done once. Anything else returns None
# and is left to PyJWT, so this path accepts only what PyJWT accepts and never
# refuses anything itself; tests/tokens/test_decode_fast_path.py compares both.

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


def _b64decode(segment: bytes) -> bytes:
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


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
