"""
Sessions and refresh-token records: together, the blacklist.

A *session* is one sign-in on one device: the family of refresh tokens that
rotation produces, each token carrying the session id in its ``sid`` claim.
A *refresh-token record* is one refresh token issued, keyed by its ``jti``.
A refresh token is blacklisted when its record was consumed (outside the grace
period) or its session is revoked; an access token dies with its session.

No token string is stored: only identifiers and metadata.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tokens.app_settings import app_settings

# The model of registered resource servers has its own module; it is a model
# of this one's as much as the others.
from tokens.resource_server_model import ResourceServer as ResourceServer

NOTE_MAX_LENGTH = 500


class RevocationReason(models.TextChoices):
    LOGOUT = "logout", _("logout")
    LOGOUT_ALL = "logout_all", _("logout from all devices")
    REVOKED_BY_USER = "revoked_by_user", _("revoked by the user")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    PASSWORD_RESET = "password_reset", _("password reset")
    USER_DEACTIVATED = "user_deactivated", _("user deactivated")
    ADMIN = "admin", _("revoked by staff")
    REUSE_DETECTED = "reuse_detected", _("refresh token reuse detected")
    RESOURCE_SERVER = "resource_server", _("revoked by a resource server")


class SessionStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class RefreshTokenStatus(models.TextChoices):
    """The states of a refresh token (``get_status`` says which one weighs most)."""

    ACTIVE = "active", _("active")
    USED = "used", _("used")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class SessionQuerySet(models.QuerySet["Session"]):
    def with_status(self, status: str, now: datetime | None = None) -> SessionQuerySet:
        """Sessions whose ``get_status`` is *status* (a ``SessionStatus``)."""
        if status == SessionStatus.REVOKED:
            return self.revoked()
        if status == SessionStatus.EXPIRED:
            return self.expired(now)
        return self.active(now)

    def revoked(self) -> SessionQuerySet:
        return self.filter(revoked_at__isnull=False)

    def unrevoked(self) -> SessionQuerySet:
        return self.filter(revoked_at__isnull=True)

    def expired(self, now: datetime | None = None) -> SessionQuerySet:
        """Unrevoked sessions past their absolute or idle lifetime."""
        return self.unrevoked().exclude(Liveness.at(now).q(user=False))

    def active(self, now: datetime | None = None) -> SessionQuerySet:
        """Sessions within their lifetimes, whatever their user's state."""
        return self.filter(Liveness.at(now).q(user=False))

    def live(self, now: datetime | None = None) -> SessionQuerySet:
        """Sessions whose tokens are honoured: active, and their user active."""
        return self.filter(Liveness.at(now).q())

    def flushable_expired(self, cutoff: datetime) -> SessionQuerySet:
        """Unrevoked sessions past their absolute expiry at *cutoff*: no token of
        theirs is alive, and nothing about them needs keeping."""
        return self.unrevoked().filter(expires_at__lte=cutoff)

    def flushable_revoked(self, cutoff: datetime) -> SessionQuerySet:
        """Revoked sessions whose revocation is older than *cutoff* (the end of
        their retention for audit)."""
        return self.revoked().filter(revoked_at__lte=cutoff)


# Bound to a name so that type checkers can follow the generated class.
_SessionManagerBase = models.Manager.from_queryset(SessionQuerySet)


class SessionManager(_SessionManagerBase["Session"]):
    use_in_migrations = True


class Session(models.Model):
    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="token_sessions",
        verbose_name=_("user"),
    )
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    last_used_at = models.DateTimeField(_("last used"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("revocation reason"),
        max_length=32,
        choices=RevocationReason.choices,
        blank=True,
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    # Claims a site adds to every token of the session (SimpleJWT's
    # ``token["name"] = value`` in ``get_token``), as JSON with sorted keys.
    # Stored, not the tokens, so that a successor re-minted inside the grace
    # period is the same token. Text rather than a JSONField: the claims are
    # never queried, and the text keeps its key order on every database.
    claims_json = models.TextField(_("custom claims"), blank=True, default="")
    # Free text from whoever revoked (staff, an operator's command): the why
    # behind the reason, e.g. a ticket number.
    revoked_note = models.CharField(
        _("revocation note"), max_length=NOTE_MAX_LENGTH, blank=True
    )

    objects = SessionManager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-created_at"]
        permissions = [("revoke_session", _("Can revoke sessions"))]
        indexes = [
            models.Index(
                fields=["user", "revoked_at"], name="tokens_sess_user_revoked"
            ),
            models.Index(fields=["expires_at"], name="tokens_sess_expires"),
            models.Index(fields=["revoked_at"], name="tokens_sess_revoked"),
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def claims(self) -> dict[str, Any]:
        """The custom claims of the session's tokens."""
        return json.loads(self.claims_json) if self.claims_json else {}

    @claims.setter
    def claims(self, value: dict[str, Any]) -> None:
        self.claims_json = (
            json.dumps(value, sort_keys=True, separators=(",", ":")) if value else ""
        )

    @property
    def idle_expires_at(self) -> datetime:
        return self.last_used_at + app_settings.SESSION_IDLE_TIMEOUT

    def get_status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return SessionStatus.REVOKED
        if not Liveness.at(now).holds(self, user=False):
            return SessionStatus.EXPIRED
        return SessionStatus.ACTIVE

    def is_active(self, now: datetime | None = None) -> bool:
        return self.get_status(now) == SessionStatus.ACTIVE


def user_active_field() -> models.Field[Any, Any] | None:
    """Return the user model's ``is_active`` column, if it has one."""
    # A ForeignKey to the user model: a model class once the apps are loaded.
    user = Session._meta.get_field("user").related_model._meta  # type: ignore[union-attr]
    return next((f for f in user.concrete_fields if f.name == "is_active"), None)


@dataclass(frozen=True)
class Liveness:
    """
    Whether a session is live at one moment, i.e. its tokens are honoured: not
    revoked, before its absolute expiry, before its idle cutoff (its last
    refresh + SESSION_IDLE_TIMEOUT), and its user active (when the user model
    has an ``is_active`` field). A user model without one has active users.

    The one definition, rendered for the ORM (``q``), for a loaded row
    (``holds``) and for raw SQL (``sql``): tests/tokens/test_liveness.py pins
    the three, and every place that asks, to the same verdict.
    """

    now: datetime
    idle_cutoff: datetime

    @classmethod
    def at(cls, now: datetime | None = None) -> Liveness:
        now = now or timezone.now()
        return cls(now, now - app_settings.SESSION_IDLE_TIMEOUT)

    def q(self, *, user: bool = True) -> Q:
        """A filter on sessions; *user*: include the user's ``is_active``."""
        q = Q(
            revoked_at__isnull=True,
            expires_at__gt=self.now,
            last_used_at__gt=self.idle_cutoff,
        )
        field = user_active_field()
        if user and field is not None:
            q &= Q(**{f"user__{field.name}": True})
        return q

    def holds(self, session: Session, *, user: bool = True) -> bool:
        """The same on a loaded session (with its user, if *user*)."""
        if not (
            session.revoked_at is None
            and session.expires_at > self.now
            and session.last_used_at > self.idle_cutoff
        ):
            return False
        field = user_active_field()
        return not user or field is None or bool(getattr(session.user, field.attname))

    def sql(self, qn: Callable[[str], str], *, session: str, user: str) -> str:
        """
        The same as SQL conditions on the aliases *session* and *user* (the
        user row joined), with the placeholders of ``params()``; *qn* quotes a
        column name.
        """
        conditions = [
            f"{session}.revoked_at IS NULL",
            f"{session}.expires_at > %(now)s",
            f"{session}.last_used_at > %(idle_cutoff)s",
        ]
        field = user_active_field()
        if field is not None:
            conditions.append(f"{user}.{qn(field.column)}")
        return " AND ".join(conditions)

    def params(self) -> dict[str, datetime]:
        return {"now": self.now, "idle_cutoff": self.idle_cutoff}

    def ends_at(self, session: Session) -> datetime:
        """When *session*, live now, stops being live unless it is refreshed."""
        idle_timeout = self.now - self.idle_cutoff
        return min(session.expires_at, session.last_used_at + idle_timeout)


class RefreshTokenRecordQuerySet(models.QuerySet["RefreshTokenRecord"]):
    def expired(self, now: datetime | None = None) -> RefreshTokenRecordQuerySet:
        """Records past their expiry, whatever their status: what cleanup deletes."""
        return self.filter(expires_at__lte=now or timezone.now())

    def with_status(
        self, status: str, now: datetime | None = None
    ) -> RefreshTokenRecordQuerySet:
        """Records whose ``get_status`` is *status* (a ``RefreshTokenStatus``)."""
        now = now or timezone.now()
        unrevoked = Q(session__revoked_at__isnull=True)
        unused = unrevoked & Q(used_at__isnull=True)
        conditions = {
            RefreshTokenStatus.REVOKED: Q(session__revoked_at__isnull=False),
            RefreshTokenStatus.USED: unrevoked & Q(used_at__isnull=False),
            RefreshTokenStatus.EXPIRED: unused & Q(expires_at__lte=now),
            RefreshTokenStatus.ACTIVE: unused & Q(expires_at__gt=now),
        }
        return self.filter(conditions[RefreshTokenStatus(status)])

    def flushable(self, cutoff: datetime) -> RefreshTokenRecordQuerySet:
        """Records expired at *cutoff*, except those of revoked sessions, which
        are kept with their session for audit."""
        return self.expired(cutoff).filter(session__revoked_at__isnull=True)


_RefreshTokenRecordManagerBase = models.Manager.from_queryset(
    RefreshTokenRecordQuerySet
)


class RefreshTokenRecordManager(_RefreshTokenRecordManagerBase["RefreshTokenRecord"]):
    use_in_migrations = True


class RefreshTokenRecord(models.Model):
    jti = models.UUIDField(_("JTI"), primary_key=True, editable=False)
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="refresh_tokens",
        verbose_name=_("session"),
    )
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # The jti of the token that replaced this one. Not a foreign key: records
    # are deleted in batches by flushexpiredtokens, in any order.
    successor_jti = models.UUIDField(_("successor JTI"), null=True, blank=True)

    objects = RefreshTokenRecordManager()

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(
                fields=["session", "issued_at"], name="tokens_rt_session_issued"
            ),
            models.Index(fields=["expires_at"], name="tokens_rt_expires"),
        ]

    def __str__(self) -> str:
        return str(self.jti)

    def get_status(self, now: datetime | None = None) -> RefreshTokenStatus:
        """Return the heaviest status that applies: revoked, used, expired, active."""
        now = now or timezone.now()
        if self.session.revoked_at is not None:
            return RefreshTokenStatus.REVOKED
        if self.used_at is not None:
            return RefreshTokenStatus.USED
        if now >= self.expires_at:
            return RefreshTokenStatus.EXPIRED
        return RefreshTokenStatus.ACTIVE


class PendingTombstone(models.Model):
    """
    A revoked session whose tombstone may not be in the cache yet.

    Inserted by the revocation's own transaction, deleted once the tombstone
    is written. Until then every process that trusts the cache writes it
    first (``tokens.revocation.outbox``): a revocation the cache missed is not lost.
    """

    session_id = models.UUIDField(_("session id"), primary_key=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("pending cache tombstone")
        verbose_name_plural = _("pending cache tombstones")

    def __str__(self) -> str:
        return str(self.session_id)


# The Shared Signals transmitter's models (streams, the event outbox) live
# with the rest of it in tokens.ssf; importing them here registers them.
from tokens.ssf.models import EventStream as EventStream  # noqa: E402
from tokens.ssf.models import PendingEvent as PendingEvent  # noqa: E402
