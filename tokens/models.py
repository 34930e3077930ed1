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

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tokens.app_settings import app_settings

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


class SessionStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class SessionQuerySet(models.QuerySet):
    def revoked(self) -> SessionQuerySet:
        return self.filter(revoked_at__isnull=False)

    def unrevoked(self) -> SessionQuerySet:
        return self.filter(revoked_at__isnull=True)

    def expired(self, now: datetime | None = None) -> SessionQuerySet:
        """Unrevoked sessions past their absolute or idle lifetime."""
        now = now or timezone.now()
        idle_cutoff = now - app_settings.SESSION_IDLE_TIMEOUT
        return self.unrevoked().filter(
            Q(expires_at__lte=now) | Q(last_used_at__lte=idle_cutoff)
        )

    def active(self, now: datetime | None = None) -> SessionQuerySet:
        """Sessions that can still be refreshed."""
        now = now or timezone.now()
        idle_cutoff = now - app_settings.SESSION_IDLE_TIMEOUT
        return self.unrevoked().filter(expires_at__gt=now, last_used_at__gt=idle_cutoff)

    def flushable_expired(self, cutoff: datetime) -> SessionQuerySet:
        """Unrevoked sessions past their absolute expiry at *cutoff*: no token of
        theirs is alive, and nothing about them needs keeping."""
        return self.unrevoked().filter(expires_at__lte=cutoff)

    def flushable_revoked(self, cutoff: datetime) -> SessionQuerySet:
        """Revoked sessions whose revocation is older than *cutoff* (the end of
        their retention for audit)."""
        return self.revoked().filter(revoked_at__lte=cutoff)


class SessionManager(models.Manager.from_queryset(SessionQuerySet)):
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
    def idle_expires_at(self) -> datetime:
        return self.last_used_at + app_settings.SESSION_IDLE_TIMEOUT

    def get_status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return SessionStatus.REVOKED
        now = now or timezone.now()
        if now >= self.expires_at or now >= self.idle_expires_at:
            return SessionStatus.EXPIRED
        return SessionStatus.ACTIVE

    def is_active(self, now: datetime | None = None) -> bool:
        return self.get_status(now) == SessionStatus.ACTIVE


class RefreshTokenRecordQuerySet(models.QuerySet):
    def expired(self, now: datetime | None = None) -> RefreshTokenRecordQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())

    def flushable(self, cutoff: datetime) -> RefreshTokenRecordQuerySet:
        """Records expired at *cutoff*, except those of revoked sessions, which
        are kept with their session for audit."""
        return self.expired(cutoff).filter(session__revoked_at__isnull=True)


class RefreshTokenRecordManager(
    models.Manager.from_queryset(RefreshTokenRecordQuerySet)
):
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

    def get_status(self, now: datetime | None = None) -> str:
        """``revoked``, ``used``, ``expired`` or ``active``, in that order of weight."""
        now = now or timezone.now()
        if self.session.revoked_at is not None:
            return "revoked"
        if self.used_at is not None:
            return "used"
        if now >= self.expires_at:
            return "expired"
        return "active"
