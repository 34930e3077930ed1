"""
Admin for users and their profiles.

Session revocation comes from the ``tokens`` app's mixin: the user's sessions
inline, a "Revoke all sessions" button and action. A user saved inactive here
has their sessions revoked by the ``tokens`` receiver.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import Profile, User
from tokens.admin import SessionRevocationUserAdminMixin
from tokens.admin.base import one_line


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["visibility", "bio", "location", "website", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(User)
class UserAdmin(SessionRevocationUserAdminMixin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    inlines = [ProfileInline]
    fieldsets = (
        (
            None,
            {"fields": ("id", "email", "email_verified", "pending_email", "password")},
        ),
        (_("Personal info"), {"fields": ("display_name",)}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["id", "last_login", "date_joined"]
    # One line per user at 1280 px with the navigation sidebar open: the date
    # without its time (the time is in the tooltip), a long address cut with
    # an ellipsis, whole in its tooltip (tokens/admin/lists.css).
    list_display = ["email_address", "display_name", "is_active", "is_staff", "joined"]
    list_filter = ["is_active", "email_verified", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "display_name"]
    ordering = ["email"]

    class Media:
        css = {"all": ["tokens/admin/lists.css"]}

    @admin.display(description=_("email address"), ordering="email")
    def email_address(self, user: User) -> str:
        return one_line(user.email)

    @admin.display(description=_("date joined"), ordering="date_joined")
    def joined(self, user: User) -> str:
        moment = timezone.localtime(user.date_joined)
        return one_line(
            date_format(moment, "DATE_FORMAT"),
            date_format(moment, "DATETIME_FORMAT"),
        )

    def get_inlines(self, request, obj):
        # The profile is created with the user (accounts.receivers); on the add
        # page an inline would try to create a second one.
        return super().get_inlines(request, obj) if obj is not None else []
