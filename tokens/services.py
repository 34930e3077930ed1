"""
The business logic of sessions. Views, the admin, commands and receivers call
these; nothing else changes a session.

The work is done in ``tokens.sessions`` (starting sessions, checking a
token's session), ``tokens.rotation`` (refresh rotation, reuse detection) and
``tokens.revoke`` (revocation); this module is their one public face.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from tokens.exceptions import SessionInvalid
from tokens.models import (
    RefreshTokenRecord,
    Session,
)
from tokens.revoke import (
    PasswordChangeOrigin,
    password_change_origin,
    session_revoke,
    sessions_on_password_change,
    sessions_on_password_reset,
    sessions_on_password_saved,
    token_session_revoke,
    user_sessions_forget,
    user_sessions_revoke,
)
from tokens.rotation import refresh_rotate
from tokens.security import security_event
from tokens.sessions import (
    SessionOrigin,
    TokenPair,
    session_claims_set,
    session_claims_unset,
    session_create,
    session_origin,
    session_origin_get,
    token_session_check,
    user_active_sessions,
)
from tokens.signed import (
    SignedUntypedToken,
)

__all__ = [
    "PasswordChangeOrigin",
    "SessionOrigin",
    "TokenInspection",
    "TokenPair",
    "login_failed",
    "password_change_origin",
    "refresh_rotate",
    "session_claims_set",
    "session_claims_unset",
    "session_create",
    "session_origin",
    "session_origin_get",
    "session_revoke",
    "sessions_on_password_change",
    "sessions_on_password_reset",
    "sessions_on_password_saved",
    "token_inspect",
    "token_session_check",
    "token_session_revoke",
    "user_active_sessions",
    "user_sessions_forget",
    "user_sessions_revoke",
]


def login_failed(*, request: Any) -> None:
    """Record a failed sign-in as a security event (without the account named)."""
    # The forwarded client address (NUM_PROXIES), as sessions store it.
    security_event(
        "login_failed",
        "login failed",
        level=logging.WARNING,
        request=request,
        reason="bad_credentials",
    )


@dataclass(frozen=True)
class TokenInspection:
    """What a pasted token is: its type, expiry, session and refresh record."""

    token_type: str
    jti: uuid.UUID
    expires_at: datetime
    is_expired: bool
    session: Session
    record: RefreshTokenRecord | None


def token_inspect(*, raw: str) -> TokenInspection:
    """
    Verify the signature of *raw* (an access or refresh token of this site,
    expired or not) and return what it belongs to. Raise TokenError if the
    token is not ours, and SessionInvalid if its session no longer exists.
    """
    token = SignedUntypedToken(raw, verify_exp=False)
    session = (
        Session.objects.select_related("user", "revoked_by")
        .filter(pk=token.session_id)
        .first()
    )
    if session is None or str(session.user_id) != token["sub"]:
        raise SessionInvalid("The token's session no longer exists")
    record = None
    if token.token_type == "refresh":
        records = RefreshTokenRecord.objects.filter(session=session)
        record = records.filter(jti=token.jti).first()
    expires_at = datetime.fromtimestamp(token["exp"], tz=UTC)
    return TokenInspection(
        token_type=token.token_type,
        jti=token.jti,
        expires_at=expires_at,
        is_expired=expires_at <= timezone.now(),
        session=session,
        record=record,
    )
