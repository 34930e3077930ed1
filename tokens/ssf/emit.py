"""
Every revocation path records its events here, in its own transaction.

Called where the revocation is written (``tokens.revoke``, the user
receivers), next to the tombstone outbox: the event rows commit or roll
back with the revocation itself, so no revocation goes unreported and no
report is sent for a revocation that did not happen. With no stream
registered this costs one query per revocation and writes nothing.

After the commit the push worker is woken (``NOTIFY`` on PostgreSQL; a
worker elsewhere polls).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tokens.app_settings import app_settings
from tokens.ssf import events
from tokens.ssf.models import EventStream, PendingEvent, StreamStatus

CHANNEL = "tokens_security_events"


def _streams(event_type: str) -> list[EventStream]:
    live = EventStream.objects.select_related("resource_server").filter(
        status=StreamStatus.ENABLED, resource_server__is_active=True
    )
    return [stream for stream in live if stream.wants(event_type)]


def _enqueue(rows: list[PendingEvent]) -> None:
    if not rows:
        return
    PendingEvent.objects.bulk_create(rows)
    transaction.on_commit(wake_workers)


def wake_workers() -> None:
    """Tell push workers that events are waiting (PostgreSQL ``NOTIFY``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


def sessions_revoked(
    sessions: Iterable[tuple[Any, Any]], reason: str, at: datetime | None = None
) -> None:
    """Record a session-revoked event per ``(session id, user id)``, per stream."""
    if not app_settings.SECURITY_EVENTS:
        return
    pairs = list(sessions)
    if not pairs:
        return
    at = at or timezone.now()
    rows = [
        PendingEvent.build(
            stream,
            events.SESSION_REVOKED,
            events.session_revoked(stream.audience, sid, sub, reason, at),
        )
        for stream in _streams(events.SESSION_REVOKED)
        for sid, sub in pairs
    ]
    _enqueue(rows)


def credential_changed(user_id: Any, at: datetime | None = None) -> None:
    """Record a credential-change event (a password changed) for every stream."""
    if not app_settings.SECURITY_EVENTS:
        return
    at = at or timezone.now()
    rows = [
        PendingEvent.build(
            stream,
            events.CREDENTIAL_CHANGE,
            events.credential_change(stream.audience, user_id, at),
        )
        for stream in _streams(events.CREDENTIAL_CHANGE)
    ]
    _enqueue(rows)


def verification_requested(stream: EventStream, state: str | None) -> PendingEvent:
    """Queue a verification event behind every event already on *stream*."""
    claims = events.verification(stream.audience, stream.pk, state)
    row = PendingEvent.build(stream, events.VERIFICATION, claims)
    _enqueue([row])
    return row


def stream_updated(stream: EventStream) -> None:
    claims = events.stream_updated(
        stream.audience, stream.pk, stream.status, stream.status_reason
    )
    _enqueue([PendingEvent.build(stream, events.STREAM_UPDATED, claims)])
