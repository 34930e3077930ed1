"""
Event streams and the event outbox.

A stream belongs to one registered resource server and says how its events
travel (push to its endpoint, or poll). An event is a row in the outbox,
written in the same transaction as the revocation it reports, and deleted
only once its receiver has it (a 202 to a push, an acknowledged poll): an
event is never lost while our worker or the receiver is down.

The outbox keeps the event's claims, not a signed token: the SET is signed
when it is sent, with the key ring of that moment.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StreamStatus(models.TextChoices):
    ENABLED = "enabled", _("enabled")
    PAUSED = "paused", _("paused")
    DISABLED = "disabled", _("disabled")


class DeliveryMethod(models.TextChoices):
    PUSH = "urn:ietf:rfc:8935", _("push (RFC 8935)")
    POLL = "urn:ietf:rfc:8936", _("poll (RFC 8936)")


class EventStream(models.Model):
    """Where one receiver's events go (SSF 1.0 §8.1.1)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource_server = models.ForeignKey(
        "tokens.ResourceServer",
        on_delete=models.CASCADE,
        related_name="event_streams",
        verbose_name=_("resource server"),
    )
    delivery_method = models.CharField(
        _("delivery method"), max_length=32, choices=DeliveryMethod.choices
    )
    endpoint_url = models.URLField(_("push endpoint"), max_length=500, blank=True)
    # The receiver's credential for our pushes (SSF's authorization_header):
    # sent with every push, never shown back.
    authorization_header = models.CharField(max_length=500, blank=True)
    events_requested = models.JSONField(_("events requested"), default=list)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=StreamStatus.choices,
        default=StreamStatus.ENABLED,
    )
    status_reason = models.CharField(_("status reason"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("event stream")
        verbose_name_plural = _("event streams")

    def __str__(self) -> str:
        return f"{self.resource_server} ({self.get_delivery_method_display()})"

    @property
    def audience(self) -> str:
        return str(self.resource_server.audience)

    def wants(self, event_type: str) -> bool:
        """Whether this stream carries *event_type* (all when none were asked)."""
        return not self.events_requested or event_type in self.events_requested


class PendingEvent(models.Model):
    """One event on its way to one stream, oldest first."""

    id = models.BigAutoField(primary_key=True)
    stream = models.ForeignKey(
        EventStream, on_delete=models.CASCADE, related_name="pending_events"
    )
    jti = models.CharField(max_length=32, unique=True, editable=False)
    event_type = models.CharField(max_length=200)
    claims = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    handed_out_at = models.DateTimeField(null=True, blank=True)  # poll only
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("pending security event")
        verbose_name_plural = _("pending security events")
        indexes = [
            models.Index(fields=["stream", "id"], name="tokens_event_stream_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"

    @classmethod
    def build(
        cls, stream: EventStream, event_type: str, claims: dict[str, Any]
    ) -> PendingEvent:
        return cls(
            stream=stream,
            jti=claims["jti"],
            event_type=event_type,
            claims=claims,
        )
