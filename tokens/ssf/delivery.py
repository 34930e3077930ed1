"""
Push delivery (RFC 8935) from the event outbox, in order, with retries.

Each push stream is delivered by one worker at a time (its row is locked,
``SKIP LOCKED``, so several workers share the streams) oldest event first.
A 202 deletes the event; a 400 is the receiver refusing this SET for good,
so it is deleted too and logged; anything else (refused connection, timeout,
5xx, 429) keeps it, and the stream waits with exponential back-off: a later
event never overtakes an earlier one, which is what lets a verification
event vouch for everything queued before it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tokens.app_settings import app_settings
from tokens.ssf import events
from tokens.ssf.models import DeliveryMethod, EventStream, PendingEvent, StreamStatus

logger = logging.getLogger(__name__)

BATCH = 100


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A receiver's endpoint is where its SETs go: a redirect elsewhere (an
    # internal address, say) is a failed delivery, not a new destination.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Outcome:
    delivered: bool  # the receiver has it (202), or refused it for good (400)
    error: str = ""


def push(stream: EventStream, event: PendingEvent) -> Outcome:
    """POST one SET to the stream's endpoint; say whether it left the outbox."""
    if not stream.endpoint_url.startswith(("https://", "http://")):
        return Outcome(False, "not an http(s) endpoint")
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        stream.endpoint_url,
        data=events.sign(event.claims).encode(),
        method="POST",
        headers={
            "Content-Type": "application/secevent+jwt",
            "Accept": "application/json",
            **(
                {"Authorization": stream.authorization_header}
                if stream.authorization_header
                else {}
            ),
        },
    )
    timeout = app_settings.SSF_PUSH_TIMEOUT.total_seconds()
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        if status == 400:
            logger.warning(
                "receiver refused security event %s: %s", event.jti, _reason(exc)
            )
            return Outcome(True, f"400 {_reason(exc)}")
        return Outcome(False, f"HTTP {status}")
    except (OSError, ValueError) as exc:  # refused, reset, timeout, bad URL
        return Outcome(False, type(exc).__name__)
    if status in (200, 202, 204):
        return Outcome(True)
    return Outcome(False, f"HTTP {status}")


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(2048) or b"{}")
    except (ValueError, OSError):
        return "unreadable answer"
    if not isinstance(body, dict):
        return "unreadable answer"
    return str(body.get("err", "unknown"))[:100]


def backoff(attempts: int) -> timedelta:
    """0.25 s after the first failure, doubling, up to SSF_PUSH_MAX_BACKOFF."""
    ceiling = app_settings.SSF_PUSH_MAX_BACKOFF
    return min(timedelta(seconds=0.25 * 2 ** (attempts - 1)), ceiling)


def deliver_stream(stream_id: uuid.UUID, now: datetime | None = None) -> int:
    """Deliver what is due on one stream, in order; return how many left."""
    sent = 0
    with transaction.atomic():
        stream = (
            EventStream.objects.select_for_update(skip_locked=True)
            .select_related("resource_server")
            .filter(pk=stream_id, status=StreamStatus.ENABLED)
            .first()
        )
        if stream is None:
            return 0  # another worker has it, or it is paused
        for event in stream.pending_events.order_by("id")[:BATCH]:
            moment = now or timezone.now()
            if event.next_attempt_at > moment:
                break  # the head waits: nothing overtakes it
            outcome = push(stream, event)
            if outcome.delivered:
                event.delete()
                sent += 1
                continue
            event.attempts += 1
            event.next_attempt_at = moment + backoff(event.attempts)
            event.last_error = outcome.error
            event.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            break
    return sent


def due_streams() -> list[uuid.UUID]:
    """The push streams with an event waiting."""
    return list(
        EventStream.objects.filter(
            delivery_method=DeliveryMethod.PUSH,
            status=StreamStatus.ENABLED,
            pending_events__isnull=False,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def deliver_due() -> int:
    """One pass over every push stream; return how many events left."""
    return sum(deliver_stream(stream_id) for stream_id in due_streams())


def next_wake(default: float) -> float:
    """Seconds until the earliest retry is due, at most *default*."""
    head = (
        PendingEvent.objects.filter(
            stream__delivery_method=DeliveryMethod.PUSH,
            stream__status=StreamStatus.ENABLED,
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if head is None:
        return default
    return max(0.0, min(default, (head - timezone.now()).total_seconds()))
