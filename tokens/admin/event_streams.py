"""
The event stream admin: where each receiver's events go, and how far behind
it is. View-only (receivers manage their streams through the SSF API), with
actions to pause and resume a stream; the authorization header a stream
sends with its pushes is never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tokens.admin.base import ModelAdmin, ViewOnlyMixin, column, relative_datetime
from tokens.models import EventStream
from tokens.ssf import emit
from tokens.ssf.models import StreamStatus


@admin.register(EventStream)
class EventStreamAdmin(ViewOnlyMixin, ModelAdmin[EventStream]):
    list_display = (
        "resource_server", "delivery_method", "status", "waiting", "oldest", "created",
    )  # fmt: skip
    list_filter = ("status", "delivery_method")
    search_fields = ("resource_server__name", "resource_server__client_id")
    fields = (
        "id", "resource_server", "delivery_method", "endpoint_url",
        "events_requested", "status", "status_reason", "description", "created_at",
    )  # fmt: skip
    actions = ["pause_selected", "enable_selected"]

    waiting = column(lambda s: s.waiting, _("events waiting"), "waiting")
    oldest = column(
        lambda s: relative_datetime(s.oldest) if s.oldest else "—",
        _("oldest waiting"),
        "oldest",
    )
    created = column(
        lambda s: relative_datetime(s.created_at), _("created"), "created_at"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[EventStream]:
        return (
            super()
            .get_queryset(request)
            .select_related("resource_server")
            .annotate(
                waiting=Count("pending_events"),
                oldest=Min("pending_events__created_at"),
            )
        )

    def has_set_status_permission(self, request: HttpRequest) -> bool:
        # The actions change a stream, which the view-only admin does not:
        # they are offered to staff who may change streams.
        return bool(request.user.has_perm("tokens.change_eventstream"))

    @admin.action(
        description=_("Pause the selected streams"), permissions=["set_status"]
    )
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._set_status(request, queryset, StreamStatus.PAUSED)

    @admin.action(
        description=_("Enable the selected streams"), permissions=["set_status"]
    )
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._set_status(request, queryset, StreamStatus.ENABLED)

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[Any], status: str
    ) -> None:
        changed = 0
        with transaction.atomic():
            for stream in queryset.select_related("resource_server"):
                if stream.status == status:
                    continue
                stream.status, stream.status_reason = status, "set by staff"
                stream.save(update_fields=["status", "status_reason"])
                emit.stream_updated(stream)
                changed += 1
        messages.success(
            request, _("%(count)d stream(s) changed.") % {"count": changed}
        )
