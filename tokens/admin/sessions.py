"""The session admin: lists and pages of sign-ins, the revoke action and button."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tokens import services
from tokens.admin.base import (
    ModelAdmin,
    StatusFilter,
    UUIDSearchMixin,
    ViewOnlyMixin,
    admin_url,
    column,
    one_line,
    relative_datetime,
    session_client,
    session_device,
    session_status,
    user_label,
)
from tokens.admin.refresh_tokens import RefreshTokenInline
from tokens.admin.revocation import (
    RevocationConfirmation,
    log_note,
    session_rows,
    staff_note_message,
)
from tokens.admin.revoke_token import RevokeTokenPageMixin
from tokens.models import RefreshTokenRecord, Session, SessionStatus


def revoke_sessions_title(count: int) -> str:
    return ngettext("Revoke %(count)d session", "Revoke %(count)d sessions", count) % {
        "count": count
    }


class SessionStatusFilter(StatusFilter):
    statuses = SessionStatus


@admin.register(Session)
class SessionAdmin(
    RevokeTokenPageMixin, UUIDSearchMixin, ViewOnlyMixin, ModelAdmin[Session]
):
    # One line per session, every column on a 1280 px screen beside the
    # filters with Django's navigation sidebar open: the device (the link to
    # the session's page, its id in the tooltip), the IP address, the
    # expiry in the status's tooltip (an expired session says so), the
    # creation date on the session's page and in the filters. Long values end
    # in an ellipsis (lists.css), whole in their tooltips.
    list_display = ("user_name", "client", "address", "status", "last_used")
    list_display_links = ("client",)
    list_filter = (SessionStatusFilter, "revoked_reason", "created_at")
    list_select_related = ("user",)
    raw_id_fields = ("user", "revoked_by")
    search_help_text = _("User email, session id, or a refresh token's JTI.")
    show_full_result_count = False
    actions = ["revoke_selected"]
    inlines = [RefreshTokenInline]
    fieldsets = (
        (
            None,
            {"fields": ("id", "user", "status", "device", "user_agent", "ip_address")},
        ),
        (
            _("Lifetime"),
            {"fields": ("created_at", "last_used_at", "idle_expires_at", "expires_at")},
        ),
        (
            _("Revocation"),
            {"fields": ("revoked_at", "revoked_reason", "revoked_by", "revoked_note")},
        ),
    )
    readonly_fields = (
        "id", "user", "status", "device", "user_agent", "ip_address", "created_at",
        "last_used_at", "idle_expires_at", "expires_at", "revoked_at",
        "revoked_reason", "revoked_by", "revoked_note",
    )  # fmt: skip

    class Media:
        css = {"all": ["tokens/admin/lists.css"]}

    def get_uuid_q(self, value: uuid.UUID) -> Q:
        jtis = RefreshTokenRecord.objects.filter(jti=value).values("session_id")
        return Q(pk=value) | Q(pk__in=jtis)

    # Columns and fields ----------------------------------------------------

    user_name = column(lambda s: user_label(s.user), _("user"), "user")
    device = column(session_device, _("device"))
    client = column(session_client, _("device"), "user_agent")
    address = column(lambda s: one_line(s.ip_address or "–"), _("IP address"))
    status = column(session_status, _("status"))
    last_used = column(
        lambda s: relative_datetime(s.last_used_at), _("last used"), "last_used_at"
    )
    idle_expires_at = column(
        lambda s: date_format(timezone.localtime(s.idle_expires_at), "DATETIME_FORMAT"),
        _("idle expiry"),
    )

    # Pages -----------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [
            self.admin_path("revoke-token/", self.revoke_token_view, "revoke_token"),
            self.admin_path("<path:object_id>/revoke/", self.revoke_view, "revoke"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), **self.revoke_context(request)}
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), **self.revoke_context(request)}
        extra_context["refresh_tokens_url"] = self.refresh_tokens_url(object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def revoke_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"can_revoke": self.has_revoke_permission(request)}

    def refresh_tokens_url(self, object_id: str) -> str | None:
        url = admin_url(self.admin_site, RefreshTokenRecord, "changelist")
        return f"{url}?session__pk__exact={object_id}" if url else None

    # Revoking --------------------------------------------------------------

    @admin.action(permissions=["revoke"], description=_("Revoke selected sessions"))
    def revoke_selected(
        self, request: HttpRequest, queryset: QuerySet[Session]
    ) -> TemplateResponse | None:
        sessions = list(queryset.select_related("user"))
        count = sum(session.revoked_at is None for session in sessions)
        if not count:
            self.message_user(
                request,
                _("The selected sessions are already revoked."),
                messages.WARNING,
            )
            return None
        confirmation = RevocationConfirmation(
            self,
            request,
            title=revoke_sessions_title(count),
            hidden={
                "action": "revoke_selected",
                helpers.ACTION_CHECKBOX_NAME: [session.pk for session in sessions],
            },
        )
        return confirmation.respond(
            lambda note: self.sessions_revoke(request, sessions, note),
            rows=session_rows(sessions),
            revoke_count=count,
        )

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then revoke one session (its change page's button)."""
        return self.object_revoke_view(
            request,
            object_id,
            title=revoke_sessions_title(1),
            revoke=lambda session, note: self.sessions_revoke(request, [session], note),
            context=lambda session: {
                "rows": session_rows([session]),
                "revoke_count": 1,
            },
            refusal=lambda session: (
                _("This session is already revoked.") if session.revoked_at else None
            ),
        )

    def sessions_revoke(
        self, request: HttpRequest, sessions: list[Session], note: str
    ) -> int:
        """Revoke *sessions* as staff with *note*; log each; return how many."""
        message = staff_note_message(note)
        results = self.revoke_each(
            request, sessions, services.session_revoke, "session", note=note,
            change_message=lambda count: message if count else None,
        )  # fmt: skip
        revoked = [str(session.pk) for session, count in results if count]
        log_note(request=request, event="admin_sessions_revoked", note=note,
                 sids=revoked)  # fmt: skip
        return len(revoked)
