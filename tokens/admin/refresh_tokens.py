"""The refresh-token admin (the blacklist, as records) and a session's token chain."""

from __future__ import annotations

import uuid

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tokens.admin.base import (
    LimitedInlineFormSet,
    ModelAdmin,
    StatusFilter,
    TabularInline,
    UUIDSearchMixin,
    ViewOnlyMixin,
    admin_url,
    column,
    relative_datetime,
    user_label,
    uuid_prefix,
)
from tokens.models import RefreshTokenRecord, RefreshTokenStatus, Session


class RefreshTokenStatusFilter(StatusFilter):
    statuses = RefreshTokenStatus


class RefreshTokenFormSet(LimitedInlineFormSet):
    limit = 50


class RefreshTokenStatusMixin:
    status = column(lambda r: str(r.get_status().label), _("status"))


class RefreshTokenInline(
    RefreshTokenStatusMixin,
    ViewOnlyMixin,
    TabularInline[RefreshTokenRecord, Session],
):
    """A session's refresh-token chain: issued, used, and what replaced each."""

    model = RefreshTokenRecord
    formset = RefreshTokenFormSet
    fields = ("issued_at", "expires_at", "used_at", "successor_jti", "status")
    readonly_fields = fields
    ordering = ("-issued_at",)
    extra = 0
    can_delete = False
    verbose_name_plural = _("refresh-token chain (newest first)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RefreshTokenRecord]:
        return super().get_queryset(request).select_related("session")


@admin.register(RefreshTokenRecord)
class RefreshTokenRecordAdmin(
    RefreshTokenStatusMixin,
    UUIDSearchMixin,
    ViewOnlyMixin,
    ModelAdmin[RefreshTokenRecord],
):
    """The blacklist, as records: a token is dead once used or its session revoked."""

    # Short identifiers and dates keep every column on a 1280 px screen; the
    # whole UUIDs are in the tooltips and on the record's page.
    list_display = (
        "short_jti", "session_link", "user", "issued", "expires", "used", "status",
    )  # fmt: skip
    list_display_links = ("short_jti",)
    list_filter = (RefreshTokenStatusFilter, "issued_at", "expires_at")
    list_select_related = ("session", "session__user")
    raw_id_fields = ("session",)
    search_help_text = _("User email, JTI or session id.")
    show_full_result_count = False
    user_path = "session__user"
    fields = (
        "jti", "session_link", "user", "status", "issued_at", "expires_at", "used_at",
        "successor_jti",
    )  # fmt: skip
    readonly_fields = fields

    class Media:
        css = {"all": ["tokens/admin/lists.css"]}

    def get_uuid_q(self, value: uuid.UUID) -> Q:
        return Q(pk=value) | Q(session_id=value)

    short_jti = column(lambda r: uuid_prefix(r.jti), _("JTI"), "jti")

    @admin.display(description=_("session"), ordering="session")
    def session_link(self, record: RefreshTokenRecord) -> SafeString | str:
        url = admin_url(self.admin_site, Session, "change", record.session_id)
        label = str(record.session_id)
        if url is None:
            return label
        return format_html('<a href="{}" title="{}">{}</a>', url, label, label[:8])

    user = column(lambda r: user_label(r.session.user), _("user"))
    issued = column(lambda r: relative_datetime(r.issued_at), _("issued"), "issued_at")
    expires = column(
        lambda r: relative_datetime(r.expires_at), _("expires"), "expires_at"
    )
    used = column(lambda r: relative_datetime(r.used_at), _("used"), "used_at")
