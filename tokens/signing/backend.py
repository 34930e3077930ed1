"""
``KeyRingBackend``: SimpleJWT's ``TokenBackend`` interface over the key ring.

SimpleJWT's ``Token`` classes sign and verify through it (``encode``,
``decode``, ``get_leeway``); ``token_backend`` is the instance they use. A
token is signed with the ring's active key, its ``kid`` and ``typ`` in the
header. It is verified with the key its ``kid`` names and no other, through
the strict parsing of ``tokens.signing.parsing``, then the claims: a token
verified before is answered from the memory (``tokens.signing.memory``), a
plainly valid HMAC token by the fast path (``tokens.signing.fast_path``), any
other by PyJWT.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import jwt
from rest_framework_simplejwt.exceptions import (
    TokenBackendError,
    TokenBackendExpiredToken,
)

from tokens.app_settings import app_settings
from tokens.signing.fast_path import hmac_fast_decode
from tokens.signing.keys import SigningKey, get_key_ring
from tokens.signing.parsing import (
    REQUIRED_CLAIMS,
    TOKEN_TYPES,
    _check_algorithm,
    _checked_header,
    _jwt,
    check_audience,
    check_token_type,
)


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
