"""
An admin site wired as a project would wire it, for the admin tests.

The project's own ``accounts`` user admin is not needed: the stock
``UserAdmin``, adapted to an email login, gets ``SessionRevocationUserAdminMixin``
here, on a separate site mounted at ``/test-admin/`` by ``tests.admin_urls``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Permission

from tokens.admin import (
    RefreshTokenRecordAdmin,
    SessionAdmin,
    SessionRevocationUserAdminMixin,
)
from tokens.models import RefreshTokenRecord, Session

site = admin.AdminSite(name="testadmin")


class UserAdmin(SessionRevocationUserAdminMixin, BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )


site.register(get_user_model(), UserAdmin)
site.register(Session, SessionAdmin)
site.register(RefreshTokenRecord, RefreshTokenRecordAdmin)

VIEW_PERMISSIONS = (
    "tokens.view_session",
    "tokens.view_refreshtokenrecord",
    "accounts.view_user",
)
REVOKE_PERMISSION = "tokens.revoke_session"


def grant(user: Any, *perms: str) -> Any:
    """Give *user* the permissions named ``app_label.codename``; return it fresh."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Permissions are cached on the instance.
    return type(user)._default_manager.get(pk=user.pk)


def api_status(api_client: Any, pair: Any) -> int:
    """Return the status of an API request made with the pair's access token."""
    access = api_client.get(
        "/api/auth/sessions/", HTTP_AUTHORIZATION=f"Bearer {pair.access}"
    )
    return access.status_code


def assert_api_refuses(api_client: Any, pair: Any) -> None:
    """The session's access token and refresh token both get a 401."""
    assert api_status(api_client, pair) == 401
    refresh = api_client.post(
        "/api/auth/token/refresh/", {"refresh": pair.refresh}, format="json"
    )
    assert refresh.status_code == 401
