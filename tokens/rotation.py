"""
Refresh rotation, exactly once: of many concurrent requests with one refresh
token, one consumes it; a replay inside the grace period gets the same
successor again; a later replay revokes the whole session (reuse detection).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from django.db import connections, router, transaction
from django.utils import timezone

from tokens import signals
from tokens.app_settings import app_settings
from tokens.exceptions import RefreshTokenReused, TokenAlreadyRotated
from tokens.models import (
    Liveness,
    RefreshTokenRecord,
    RevocationReason,
    Session,
    user_active_field,
)
from tokens.revoke import _revoke_locked
from tokens.security import security_event
from tokens.sessions import (
    TokenPair,
    _pair,
    _record_check_expiry,
    _record_create,
    _session_check,
)
from tokens.signed import (
    SignedRefreshToken,
)


def refresh_rotate(
    *, token: SignedRefreshToken, arrived_at: datetime | None = None
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


def _rotate_uncontended(token: SignedRefreshToken) -> TokenPair | None:
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
def _rotate_locked(
    token: SignedRefreshToken, arrived_at: datetime
) -> TokenPair | Session:
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
