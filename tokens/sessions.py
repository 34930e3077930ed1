"""
Starting sessions and minting their tokens, and deciding whether a token's
session still stands. The database is the authority here; the request path's
cached answer is ``tokens.revocation``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tokens.app_settings import app_settings
from tokens.claims import canonical_claims
from tokens.exceptions import SessionInvalid
from tokens.models import (
    Liveness,
    RefreshTokenRecord,
    Session,
)
from tokens.security import security_event
from tokens.signed import (
    SignedAccessToken,
    SignedRefreshToken,
    SignedToken,
)

USER_AGENT_MAX = 512


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    session: Session


@dataclass(frozen=True)
class SessionOrigin:
    user_agent: str = ""
    ip_address: str | None = None


# The device of the request being served, for sessions started where no request
# is at hand: SimpleJWT's ``RefreshToken.for_user(user)`` in a serializer.
_session_origin: ContextVar[SessionOrigin | None] = ContextVar(
    "tokens_session_origin", default=None
)


@contextmanager
def session_origin(*, user_agent: str, ip_address: str | None) -> Iterator[None]:
    """Within the block, sessions started without a device get this one."""
    reset = _session_origin.set(SessionOrigin(user_agent, ip_address))
    try:
        yield
    finally:
        _session_origin.reset(reset)


def session_origin_get() -> SessionOrigin:
    """Return the device ``session_origin`` set for this context, if any."""
    return _session_origin.get() or SessionOrigin()


def session_create(
    *, user: Any, user_agent: str = "", ip_address: str | None = None
) -> TokenPair:
    """Start a session for *user* (after authentication) and mint its first tokens."""
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.create(
            user=user,
            user_agent=(user_agent or "")[:USER_AGENT_MAX],
            ip_address=ip_address,
            created_at=now,
            last_used_at=now,
            expires_at=now + app_settings.SESSION_LIFETIME,
        )
        record = _record_create(session, now)
    security_event(
        "session_created",
        "session created",
        sid=session.pk,
        user_id=user.pk,
        ip=ip_address,
    )
    return _pair(session, record, now)


def session_claims_set(*, session: Session, claims: dict[str, Any]) -> None:
    """Add custom *claims* to every token minted for *session* from now on."""
    session.claims = canonical_claims({**session.claims, **claims})
    Session.objects.filter(pk=session.pk).update(claims_json=session.claims_json)


def session_claims_unset(*, session: Session, names: Iterable[str]) -> None:
    """Remove custom claims from the tokens minted for *session* from now on."""
    drop = set(names)
    session.claims = {k: v for k, v in session.claims.items() if k not in drop}
    Session.objects.filter(pk=session.pk).update(claims_json=session.claims_json)


def _record_create(session: Session, now: datetime) -> RefreshTokenRecord:
    expires_at = min(now + app_settings.REFRESH_TOKEN_LIFETIME, session.expires_at)
    return RefreshTokenRecord.objects.create(
        jti=uuid.uuid4(), session=session, issued_at=now, expires_at=expires_at
    )


def _pair(session: Session, record: RefreshTokenRecord, now: datetime) -> TokenPair:
    record.session = session
    return TokenPair(
        access=str(SignedAccessToken.for_session(session, now)),
        refresh=str(SignedRefreshToken.for_record(record)),
        session=session,
    )


def token_session_check(*, token: SignedToken) -> Session:
    """
    Return the session of a verified token if the token is still good: the
    session is active, its user active, and a refresh token not yet consumed
    (outside the grace period). Raise SessionInvalid otherwise.
    """
    now = timezone.now()
    session = Session.objects.select_related("user").filter(pk=token.session_id).first()
    session = _session_check(session, token["sub"], now)
    if token.token_type == "refresh":
        _refresh_record_check(session, token.jti, now)
    return session


def _session_check(session: Session | None, user_id: str, now: datetime) -> Session:
    """
    Return *session* if it is usable by the user a token names, else raise
    SessionInvalid.
    """
    if session is None or not Liveness.at(now).holds(session):
        raise SessionInvalid("Session is not active")
    if str(session.user_id) != user_id:
        raise SessionInvalid("Token does not match its session")
    return session


def _refresh_record_check(session: Session, jti: uuid.UUID, now: datetime) -> None:
    record = RefreshTokenRecord.objects.filter(jti=jti, session=session).first()
    record = _record_check_expiry(record, now)
    if record.used_at is not None and (
        now - record.used_at > app_settings.ROTATION_GRACE_PERIOD
    ):
        raise SessionInvalid("Refresh token was already used")


def _record_check_expiry(
    record: RefreshTokenRecord | None, now: datetime
) -> RefreshTokenRecord:
    """
    Return *record* if it exists and has not expired, else raise SessionInvalid.

    The record's own expiry bounds the token, not only its ``exp`` claim: the
    record is what the server issued, the claim only what was encoded.
    """
    if record is None:
        raise SessionInvalid("Refresh token is unknown")
    if record.expires_at <= now:
        raise SessionInvalid("Refresh token has expired")
    return record


def user_active_sessions(*, user: Any) -> list[Session]:
    """Return *user*'s sessions that can still be used, newest first."""
    return list(Session.objects.live().filter(user=user).order_by("-last_used_at"))
