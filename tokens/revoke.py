"""
Revoking sessions: one, all of a user's, on a password change. The row, its
outbox entry and (after the commit) the announcement and the cache's
tombstone: a revocation is recorded with who, when and why, and every
process refuses the session from the answer on (docs/revocation.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tokens import signals
from tokens.app_settings import app_settings
from tokens.exceptions import SessionInvalid
from tokens.models import (
    RevocationReason,
    Session,
)
from tokens.revocation import outbox, sessions_forget, sessions_mark_revoked
from tokens.security import security_event
from tokens.signed import (
    SignedRefreshToken,
)
from tokens.ssf import emit


def session_revoke(
    *, session: Session, reason: str, by: Any = None, note: str = ""
) -> bool:
    """Revoke *session* (*note*: free text kept with it); False if already revoked."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None or locked.revoked_at is not None:
            return False
        _revoke_locked(locked, reason, by, timezone.now(), note)
    session.revoked_at, session.revoked_reason = locked.revoked_at, reason
    session.revoked_by_id, session.revoked_note = _pk(by), note
    return True


def _pk(user: Any) -> Any:
    # A cached request user answers pk without loading the row.
    return user.pk if user is not None else None


def _revoke_locked(
    session: Session, reason: str, by: Any, now: datetime, note: str = ""
) -> None:
    session.revoked_at, session.revoked_reason = now, reason
    session.revoked_by_id, session.revoked_note = _pk(by), note
    session.save(
        update_fields=["revoked_at", "revoked_reason", "revoked_by", "revoked_note"]
    )
    _tombstones_pending([session.pk])
    emit.sessions_revoked([(session.pk, session.user_id)], reason, now)
    transaction.on_commit(lambda: _announce_revoked([session], reason, by))


def _tombstones_pending(session_ids: list[Any]) -> None:
    # In the revocation's own transaction: a tombstone the cache misses after
    # the commit is still known, and written by the next process that trusts
    # the cache (docs/revocation.md, rule 4).
    outbox.add(session_ids)


def user_sessions_revoke(
    *,
    user: Any,
    reason: str,
    by: Any = None,
    keep: Session | uuid.UUID | None = None,
    note: str = "",
) -> int:
    """
    Revoke every unrevoked session of *user*, except *keep*, keeping *note* (free
    text) with each; return how many.
    """
    keep_id = keep.pk if isinstance(keep, Session) else keep
    with transaction.atomic():
        sessions = list(
            Session.objects.select_for_update()
            .filter(user=user, revoked_at__isnull=True)
            # No keep: pk=None is an isnull lookup, which excludes nothing.
            .exclude(pk=keep_id)  # type: ignore[misc]
        )
        now = timezone.now()
        Session.objects.filter(pk__in=[s.pk for s in sessions]).update(
            revoked_at=now,
            revoked_reason=reason,
            revoked_by_id=_pk(by),
            revoked_note=note,
        )
        for session in sessions:
            session.revoked_at, session.revoked_reason = now, reason
            session.revoked_by_id, session.revoked_note = _pk(by), note
        if sessions:
            _tombstones_pending([s.pk for s in sessions])
            emit.sessions_revoked([(s.pk, s.user_id) for s in sessions], reason, now)
        transaction.on_commit(lambda: _announce_revoked(sessions, reason, by))
    return len(sessions)


def _announce_revoked(sessions: list[Session], reason: str, by: Any) -> None:
    # Runs after the commit: the clock reading bounds the commit from above.
    sessions_mark_revoked((s.pk for s in sessions), committed_at=time.monotonic())
    for session in sessions:
        security_event(
            "session_revoked",
            "session revoked",
            sid=session.pk,
            user_id=session.user_id,
            actor=_pk(by),
            reason=reason,
        )
        signals.session_revoked.send(
            sender=Session, session=session, reason=reason, revoked_by=by
        )


def user_sessions_forget(*, user: Any) -> None:
    """Make the next request of each of *user*'s sessions consult the database."""
    ids = list(
        Session.objects.filter(user=user).unrevoked().values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: sessions_forget(ids))


def token_session_revoke(*, token: SignedRefreshToken) -> bool:
    """
    Revoke the session of a verified refresh token (SimpleJWT's ``blacklist()``).

    Return False if it was already revoked; SessionInvalid if it is unknown.
    """
    session = Session.objects.filter(pk=token.session_id, user_id=token["sub"]).first()
    if session is None:
        raise SessionInvalid("The token's session no longer exists")
    return session_revoke(session=session, reason=RevocationReason.LOGOUT)


@dataclass(frozen=True)
class PasswordChangeOrigin:
    user_pk: Any
    current_session_id: Any
    reset: bool


_password_change_origin: ContextVar[PasswordChangeOrigin | None] = ContextVar(
    "tokens_password_change_origin", default=None
)


@contextmanager
def password_change_origin(
    *, user: Any, current_session_id: Any = None, reset: bool = False
) -> Iterator[None]:
    """
    Say where a password change saved within the block comes from.

    The model-level receiver applies the policy to every saved password change;
    only the caller knows the session that made it (kept under ``"others"``) or
    that it is a reset (REVOKE_ON_PASSWORD_RESET applies instead).
    """
    token = _password_change_origin.set(
        PasswordChangeOrigin(user.pk, current_session_id, reset)
    )
    try:
        yield
    finally:
        _password_change_origin.reset(token)


def sessions_on_password_saved(*, user: Any) -> int:
    """
    Apply the policy after a changed password of *user* was saved, by any code.

    Inside ``password_change_origin`` for this user, its session is kept or the
    reset policy applies; anywhere else no session is known, so ``"others"``
    revokes them all.
    """
    emit.credential_changed(user.pk)
    origin = _password_change_origin.get()
    # A cached request user may carry its pk as the token's string.
    if origin is None or str(origin.user_pk) != str(user.pk):
        return sessions_on_password_change(user=user)
    if origin.reset:
        return sessions_on_password_reset(user=user)
    return sessions_on_password_change(
        user=user, current_session_id=origin.current_session_id
    )


def sessions_on_password_change(*, user: Any, current_session_id: Any = None) -> int:
    """
    Apply REVOKE_ON_PASSWORD_CHANGE after *user* changed their password:
    ``"others"`` keeps the session that made the change, ``"all"`` keeps none,
    ``"none"`` revokes nothing. Return how many sessions were revoked.
    """
    policy = app_settings.REVOKE_ON_PASSWORD_CHANGE
    if policy == "none":
        return 0
    keep = current_session_id if policy == "others" else None
    return user_sessions_revoke(
        user=user, reason=RevocationReason.PASSWORD_CHANGED, by=user, keep=keep
    )


def sessions_on_password_reset(*, user: Any) -> int:
    """Apply REVOKE_ON_PASSWORD_RESET after a reset; return how many were revoked."""
    if not app_settings.REVOKE_ON_PASSWORD_RESET:
        return 0
    return user_sessions_revoke(user=user, reason=RevocationReason.PASSWORD_RESET)
