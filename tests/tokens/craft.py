"""Hand-made tokens for the validation tests: any header, any bytes, our key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
from django.conf import settings

SESSIONS = "/api/auth/sessions/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hmac_secret() -> bytes:
    """The secret of the test ring's active HS256 key."""
    return settings.TOKENS["SIGNING_KEYS"][0]["secret"].encode()


def hmac_kid() -> str:
    return settings.TOKENS["SIGNING_KEYS"][0]["kid"]


def sign_hs256(
    header: bytes | dict, payload: bytes | dict, secret: bytes | None = None
):
    """Sign raw header and payload JSON with HS256, byte for byte as given."""
    if isinstance(header, dict):
        header = json.dumps(header).encode()
    if isinstance(payload, dict):
        payload = json.dumps(payload).encode()
    signing_input = f"{b64(header)}.{b64(payload)}"
    mac = hmac.new(secret or hmac_secret(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{b64(mac.digest())}"


def claims_of(token: str) -> dict[str, Any]:
    """The claims of one of our tokens, read without verifying."""
    return jwt.decode(token, options={"verify_signature": False})


def header_of(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)


def hs_header(**extra: Any) -> dict[str, Any]:
    """The header of one of our access tokens (``typ`` at+jwt, RFC 9068)."""
    return {"alg": "HS256", "typ": "at+jwt", "kid": hmac_kid(), **extra}
