"""
The events we transmit, as Security Event Tokens (RFC 8417).

Each SET names its receiver in ``aud``, carries one event and an RFC 9493
subject (``sub_id``), and is signed with an asymmetric key of the key ring
(the JWKS publishes it, so a receiver verifies without a shared secret),
with header ``typ: secevent+jwt`` so that no SET can pass for an access
token, nor an access token for a SET.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import jwt

from tokens.app_settings import app_settings
from tokens.signing import SigningKey, get_key_ring

SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
CREDENTIAL_CHANGE = (
    "https://schemas.openid.net/secevent/caep/event-type/credential-change"
)
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"
STREAM_UPDATED = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"
EVENT_TYPES = (SESSION_REVOKED, CREDENTIAL_CHANGE, VERIFICATION, STREAM_UPDATED)
# What a receiver may ask for; verification and stream updates always flow.
REQUESTABLE = (SESSION_REVOKED, CREDENTIAL_CHANGE)
SET_TYPE = "secevent+jwt"

# Who started a revocation, by its reason (CAEP 1.0 §2: initiating_entity).
INITIATED_BY = {
    "logout": "user",
    "logout_all": "user",
    "revoked_by_user": "user",
    "password_changed": "user",
    "password_reset": "user",
    "user_deactivated": "admin",
    "user_deleted": "admin",
    "admin": "admin",
    "reuse_detected": "policy",
}


class NoEventKey(Exception):
    """The key ring has no asymmetric key to sign events with."""


def _envelope(
    audience: str, subject: dict[str, Any], event: str, body: dict[str, Any]
) -> dict[str, Any]:
    return {
        "iss": app_settings.ISSUER,
        "aud": audience,
        "iat": int(time.time()),
        "jti": uuid.uuid4().hex,
        "sub_id": subject,
        "events": {event: body},
    }


def session_revoked(
    audience: str, sid: Any, sub: Any, reason: str, at: datetime
) -> dict[str, Any]:
    subject = {
        "format": "complex",
        "session": {"format": "opaque", "id": str(sid)},
        "user": {"format": "opaque", "id": str(sub)},
    }
    body = {
        "event_timestamp": int(at.timestamp()),
        "initiating_entity": INITIATED_BY.get(reason, "system"),
        "reason_admin": {"en": reason},
    }
    return _envelope(audience, subject, SESSION_REVOKED, body)


def credential_change(audience: str, sub: Any, at: datetime) -> dict[str, Any]:
    body = {
        "credential_type": "password",
        "change_type": "update",
        "event_timestamp": int(at.timestamp()),
        "initiating_entity": "user",
    }
    return _envelope(
        audience, {"format": "opaque", "id": str(sub)}, CREDENTIAL_CHANGE, body
    )


def verification(audience: str, stream_id: Any, state: str | None) -> dict[str, Any]:
    body = {"state": state} if state else {}
    return _envelope(
        audience, {"format": "opaque", "id": str(stream_id)}, VERIFICATION, body
    )


def stream_updated(
    audience: str, stream_id: Any, status: str, reason: str
) -> dict[str, Any]:
    body = {"status": status, **({"reason": reason} if reason else {})}
    return _envelope(
        audience, {"format": "opaque", "id": str(stream_id)}, STREAM_UPDATED, body
    )


def event_key() -> SigningKey:
    """The key SETs are signed with: the active key if asymmetric, else the first."""
    ring = get_key_ring()
    candidates = [ring.active, *ring.keys.values()]
    for key in candidates:
        if key is not None and not key.is_symmetric and key.signing_key is not None:
            return key
    raise NoEventKey(
        "Security events need an asymmetric signing key (RS256, ES256 or EdDSA) "
        "in TOKENS['SIGNING_KEYS']: receivers verify them with the JWKS."
    )


def sign(claims: dict[str, Any]) -> str:
    """Return *claims* as a compact SET."""
    key = event_key()
    return jwt.encode(
        claims,
        key.signing_key,
        algorithm=key.algorithm,
        headers={"kid": key.kid, "typ": SET_TYPE},
    )
