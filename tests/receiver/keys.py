"""
Real keys and real tokens for the receiver's tests: RSA, EC and Ed25519 keys
generated here, access tokens shaped as ``tokens.signed`` mints them, and
SETs shaped as docs' wire contract says the transmitter sends them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

ISSUER = "https://issuer.example"
AUDIENCE = "api"
STREAM_AUDIENCE = "https://orders.example"
STREAM_ID = "stream-1"
CLIENT_ID = "orders"
CLIENT_SECRET = "orders-secret-0123456789"

CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
SSF = "https://schemas.openid.net/secevent/ssf/event-type/"
SESSION_REVOKED = CAEP + "session-revoked"
CREDENTIAL_CHANGE = CAEP + "credential-change"
VERIFICATION = SSF + "verification"
STREAM_UPDATED = SSF + "stream-updated"


@dataclass(frozen=True)
class Key:
    kid: str
    algorithm: str
    private: Any

    @property
    def public(self) -> Any:
        return self.private.public_key()

    def jwk(self) -> dict[str, Any]:
        jwk = get_default_algorithms()[self.algorithm].to_jwk(self.public, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.public.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )


def make_keys() -> dict[str, Key]:
    return {
        "RS256": Key("rsa-1", "RS256", rsa.generate_private_key(65537, 2048)),
        "ES256": Key("ec-1", "ES256", ec.generate_private_key(ec.SECP256R1())),
        "EdDSA": Key("ed-1", "EdDSA", ed25519.Ed25519PrivateKey.generate()),
    }


def sign(key: Key, claims: dict[str, Any], **header: Any) -> str:
    header = {"kid": key.kid, **header}
    return jwt.encode(claims, key.private, algorithm=key.algorithm, headers=header)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """A token signed by hand: ``alg: none`` (no secret) or HS256 over *secret*."""
    signing_input = (
        b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    )
    if secret is None:
        return signing_input + "."
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


def access_claims(sid: str | None = None, sub: str = "42", **extra: Any) -> dict:
    now = int(time.time())
    return {
        "token_type": "access",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": sub,
        "sid": sid or str(uuid.uuid4()),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        **extra,
    }


def access_token(key: Key, sid: str | None = None, **extra: Any) -> str:
    return sign(key, access_claims(sid, **extra), typ="at+jwt")


def set_claims(event_type: str, sub_id: dict, fields: dict, **extra: Any) -> dict:
    return {
        "iss": ISSUER,
        "aud": STREAM_AUDIENCE,
        "iat": int(time.time()),
        "jti": uuid.uuid4().hex,
        "sub_id": sub_id,
        "events": {event_type: fields},
        **extra,
    }


def revoked_claims(sid: str, sub: str = "42", **extra: Any) -> dict:
    sub_id = {
        "format": "complex",
        "session": {"format": "opaque", "id": sid},
        "user": {"format": "opaque", "id": sub},
    }
    fields = {
        "event_timestamp": int(time.time()),
        "initiating_entity": "user",
        "reason_admin": {"en": "logout"},
    }
    return set_claims(SESSION_REVOKED, sub_id, fields, **extra)


def stream_claims(event_type: str, fields: dict, **extra: Any) -> dict:
    return set_claims(
        event_type, {"format": "opaque", "id": STREAM_ID}, fields, **extra
    )


def sign_set(key: Key, claims: dict[str, Any], **header: Any) -> str:
    return sign(key, claims, **{"typ": "secevent+jwt", **header})
