"""
The business logic of sessions. Views, the admin, commands and receivers call
these; nothing else changes a session.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from tokens import signals
from tokens.app_settings import app_settings
from tokens.exceptions import RefreshTokenReused, SessionInvalid, TokenAlreadyRotated
from tokens.models import (
    Liveness,
    PendingTombstone,
    RefreshTokenRecord,
    RevocationReason,
    Session,
    user_active_field,
)
from tokens.security import security_event
from tokens.state import sessions_forget, sessions_mark_revoked
from tokens.tokens import AccessToken, RefreshToken, UntypedToken, canonical_claims

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
        access=str(AccessToken.for_session(session, now)),
        refresh=str(RefreshToken.for_record(record)),
        session=session,
    )


def refresh_rotate(
    *, token: RefreshToken, arrived_at: datetime | None = None
) -> TokenPair:
    """
    Exchange a verified refresh token for its successor, exactly once.

    The session row is locked for the whole exchange, so of many concurrent
    requests with one token, one consumes it. A request that was already in
    flight when the token was consumed is refused without alarm
    (TokenAlreadyRotated). A later replay inside the grace period gets the same
    successor again; after it, the replay revokes the whole session
    (RefreshTokenReused). SessionInvalid covers every other refusal.
    """
    arrived_at = arrived_at or timezone.now()
    pair = _rotate_uncontended(token)
    if pair is not None:
        return pair
    outcome = _rotate_locked(token, arrived_at)
    if isinstance(outcome, Session):
        _reuse_detected(outcome, token.jti)
        raise RefreshTokenReused("Refresh token was reused; the session is revoked")
    return outcome


def _rotate_uncontended(token: RefreshToken) -> TokenPair | None:
    """
    The common case in one statement (PostgreSQL): an unused token of a valid
    session whose row nobody else holds. Return None for anything else, which
    ``_rotate_locked`` then decides with the full checks.
    """
    using = router.db_for_write(RefreshTokenRecord)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    live, successor_jti = Liveness.at(), uuid.uuid4()
    now = live.now
    with transaction.atomic(using=using):
        found = list(
            Session.objects.db_manager(using).raw(
                _rotation_sql(connection.ops.quote_name, live),
                {
                    "sid": token.session_id,
                    "jti": token.jti,
                    "sub": token["sub"],
                    **live.params(),
                    "successor": successor_jti,
                    "refresh_until": now + app_settings.REFRESH_TOKEN_LIFETIME,
                },
            )
        )
        if not found:
            return None
        (session,) = found
        successor = RefreshTokenRecord(
            jti=successor_jti,
            session=session,
            issued_at=now,
            # A column of the raw query, not of the model.
            expires_at=session.successor_expires_at,  # type: ignore[attr-defined]
        )
        _announce_rotated(session, token.jti, successor_jti)
        return _pair(session, successor, now)


# The tables and columns of this app's own models are fixed by its migrations;
# only the user model's come from _meta.
ROTATION_SQL = """
WITH live AS (
    SELECT s.id, s.expires_at
    FROM {session} s {user_join}
    WHERE s.id = %(sid)s
      AND CAST(s.user_id AS text) = %(sub)s
      AND {live}
    FOR UPDATE OF s SKIP LOCKED
), consumed AS (
    UPDATE {record} r
    SET used_at = %(now)s, successor_jti = %(successor)s
    FROM live
    WHERE r.jti = %(jti)s AND r.session_id = live.id AND r.used_at IS NULL
      AND r.expires_at > %(now)s
    RETURNING live.id, live.expires_at
), successor AS (
    INSERT INTO {record} (jti, session_id, issued_at, expires_at)
    SELECT %(successor)s, id, %(now)s, LEAST(%(refresh_until)s, expires_at)
    FROM consumed
    RETURNING expires_at
), touched AS (
    UPDATE {session} s
    SET last_used_at = %(now)s
    FROM consumed
    WHERE s.id = consumed.id
    RETURNING s.*
)
SELECT touched.*, successor.expires_at AS successor_expires_at
FROM touched, successor
"""


def _rotation_sql(qn: Callable[[str], str], live: Liveness) -> str:
    """
    Lock the session (skipping it if another transaction holds it), consume the
    record if it is unused, insert its successor and touch the session; return
    the session row and the successor's expiry. No row: fall back.

    SKIP LOCKED keeps the one lock order of every rotation, session then
    record, without ever waiting here; a held session row means a concurrent
    rotation or revocation, which the locked path waits for.
    """
    # A ForeignKey to the user model: a model class once the apps are loaded.
    user = Session._meta.get_field("user").related_model._meta  # type: ignore[union-attr]
    user_join = ""
    if user_active_field() is not None:
        user_join = f"JOIN {qn(user.db_table)} u ON u.{qn(user.pk.column)} = s.user_id"
    return ROTATION_SQL.format(
        session=qn(Session._meta.db_table),
        record=qn(RefreshTokenRecord._meta.db_table),
        user_join=user_join,
        live=live.sql(qn, session="s", user="u"),
    )


@transaction.atomic
def _rotate_locked(token: RefreshToken, arrived_at: datetime) -> TokenPair | Session:
    # The session row first, then the record: the lock order of every rotation
    # and revocation. The record is read after the session lock is granted, so
    # it shows what a rotation that held the lock before us committed.
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=token.session_id)
        .first()
    )
    record = (
        RefreshTokenRecord.objects.select_for_update()
        .filter(jti=token.jti, session_id=token.session_id)
        .first()
    )
    now = timezone.now()
    record = _record_check_expiry(record, now)
    session = _session_check(session, token["sub"], now)
    if record.used_at is None:
        return _consume(session, record, now)
    if arrived_at < record.used_at:
        raise TokenAlreadyRotated("Refresh token was rotated by a concurrent request")
    successor = _successor_in_grace(record, now)
    if successor is not None:
        return _pair(session, successor, now)
    _revoke_locked(session, RevocationReason.REUSE_DETECTED, None, now)
    return session


def _consume(session: Session, record: RefreshTokenRecord, now: datetime) -> TokenPair:
    successor = _record_create(session, now)
    record.used_at, record.successor_jti = now, successor.jti
    RefreshTokenRecord.objects.filter(pk=record.pk).update(
        used_at=now, successor_jti=successor.jti
    )
    session.last_used_at = now
    Session.objects.filter(pk=session.pk).update(last_used_at=now)
    _announce_rotated(session, record.jti, successor.jti)
    return _pair(session, successor, now)


def _announce_rotated(session: Session, old_jti: uuid.UUID, new_jti: uuid.UUID) -> None:
    transaction.on_commit(
        lambda: signals.token_rotated.send(
            sender=Session, session=session, old_jti=old_jti, new_jti=new_jti
        )
    )


def _successor_in_grace(
    record: RefreshTokenRecord, now: datetime
) -> RefreshTokenRecord | None:
    # Called on a used record only: used_at and successor_jti are set.
    if now - record.used_at > app_settings.ROTATION_GRACE_PERIOD:  # type: ignore[operator]
        return None
    successor = RefreshTokenRecord.objects.filter(jti=record.successor_jti).first()  # type: ignore[misc]
    if successor is None or successor.used_at is not None:
        return None
    return successor


def _reuse_detected(session: Session, jti: uuid.UUID) -> None:
    security_event(
        "reuse_detected",
        "refresh token reuse detected; session revoked",
        level=logging.WARNING,
        sid=session.pk,
        user_id=session.user_id,
        reason=RevocationReason.REUSE_DETECTED,
        jti=jti,
    )
    signals.reuse_detected.send(sender=Session, session=session, jti=jti)


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
    transaction.on_commit(lambda: _announce_revoked([session], reason, by))


def _tombstones_pending(session_ids: list[Any]) -> None:
    # In the revocation's own transaction: a tombstone the cache misses after
    # the commit is still known, and written by the next process that trusts
    # the cache (tokens.state, rule 4).
    PendingTombstone.objects.bulk_create(
        [PendingTombstone(session_id=sid) for sid in session_ids],
        ignore_conflicts=True,
    )


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


def user_active_sessions(*, user: Any) -> list[Session]:
    """Return *user*'s sessions that can still be used, newest first."""
    return list(Session.objects.live().filter(user=user).order_by("-last_used_at"))


def token_session_check(*, token: Any) -> Session:
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


def token_session_revoke(*, token: RefreshToken) -> bool:
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
    token = UntypedToken(raw, verify_exp=False)
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
