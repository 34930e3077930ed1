"""
The resource server admin: register, deactivate, rotate a secret, register
the public keys of ``private_key_jwt`` (``jwks``: the model's validator
refuses private and symmetric keys with a form error).

A secret is made by the admin and shown once, to the staff member who made
it, in a message on the next page; only its hash is stored, and no page ever
shows a secret field. Every change leaves a ``LogEntry`` and a security event
without the secret.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tokens.admin.base import ModelAdmin, column, relative_datetime
from tokens.models import ResourceServer
from tokens.security import security_event


@admin.register(ResourceServer)
class ResourceServerAdmin(ModelAdmin[ResourceServer]):
    list_display = (
        "name", "client_id", "audience", "is_active", "created", "last_used",
    )  # fmt: skip
    list_filter = ("is_active",)
    search_fields = ("name", "client_id", "audience")
    readonly_fields = ("client_id", "created_at", "last_used_at")
    actions = ["rotate_secret", "deactivate_selected"]

    created = column(
        lambda s: relative_datetime(s.created_at), _("created"), "created_at"
    )
    last_used = column(
        lambda s: relative_datetime(s.last_used_at), _("last used"), "last_used_at"
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("name", "audience", "jwks")
        return (
            "name", "client_id", "audience", "jwks", "is_active", "created_at",
            "last_used_at",
        )  # fmt: skip

    def save_model(
        self,
        request: HttpRequest,
        obj: ResourceServer,
        form: ModelForm[ResourceServer],
        change: bool,
    ) -> None:
        secret = None if change else obj.set_secret()
        super().save_model(request, obj, form, change)
        if secret is not None:
            self.secret_show(request, obj, secret)
            _event(
                "resource_server_created", "resource server registered", request, obj
            )

    @admin.action(description=_("Rotate the secret"), permissions=["change"])
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[ResourceServer]
    ) -> None:
        for server in queryset:
            secret = server.rotate_secret()
            self.log_change(request, server, "Rotated the client secret.")
            _event("resource_server_secret_rotated", "secret rotated", request, server)
            self.secret_show(request, server, secret)

    @admin.action(
        description=_("Deactivate selected resource servers"), permissions=["change"]
    )
    def deactivate_selected(
        self, request: HttpRequest, queryset: QuerySet[ResourceServer]
    ) -> None:
        servers = list(queryset.filter(is_active=True))
        ResourceServer.objects.filter(pk__in=[s.pk for s in servers]).update(
            is_active=False
        )
        for server in servers:
            self.log_change(request, server, "Deactivated.")
            _event("resource_server_deactivated", "deactivated", request, server)
        count = len(servers)
        self.message_user(
            request,
            ngettext(
                "%(count)d resource server deactivated.",
                "%(count)d resource servers deactivated.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def secret_show(
        self, request: HttpRequest, server: ResourceServer, secret: str
    ) -> None:
        """Show *secret* once, to this staff member, on the next page."""
        self.message_user(
            request,
            format_html(
                "{} <strong>{}</strong>: client ID <code>{}</code>, client secret "
                "<code>{}</code>. {}",
                _("The credentials of"),
                server.name,
                server.client_id,
                secret,
                _(
                    "Copy the secret now: only its hash is kept, and it will not be "
                    "shown again."
                ),
            ),
            messages.WARNING,
        )


def _event(event: str, message: str, request: HttpRequest, server: Any) -> None:
    security_event(
        event,
        message,
        request=request,
        actor=getattr(request.user, "pk", None),
        client_id=server.client_id,
    )
