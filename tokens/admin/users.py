"""
Session revocation on a site's own user admin.

``class UserAdmin(SessionRevocationUserAdminMixin, BaseUserAdmin)`` adds a
user's sessions, the "Revoke all sessions of selected users" action and a
"Revoke all sessions" button; a site on the stock ``auth.User`` calls
``register_user_admin()`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template, select_template
from django.template.response import TemplateResponse
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tokens import services
from tokens.admin.base import (
    LimitedInlineFormSet,
    TabularInline,
    ViewOnlyMixin,
    admin_url,
    column,
    session_device,
    session_status_label,
)
from tokens.admin.revocation import (
    RevocationAdminMixin,
    RevocationConfirmation,
    can_revoke,
    log_note,
    session_rows,
)
from tokens.models import Session


class RecentSessionsFormSet(LimitedInlineFormSet):
    limit = 20
    # Set per request by SessionInline.get_formset, for the inline's buttons.
    can_revoke: bool = False
    revoke_url: str | None = None
    sessions_url: str | None = None


class SessionInline(ViewOnlyMixin, TabularInline[Session, Any]):
    """A user's sessions, newest first, read-only, for any user model."""

    model = Session
    fk_name = "user"
    formset = RecentSessionsFormSet
    fields = ("device", "ip_address", "created_at", "last_used_at", "expires_at",
              "status")  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    template = "admin/tokens/session_inline.html"
    verbose_name_plural = _("sessions (newest first)")

    device = column(session_device, _("device"))
    status = column(session_status_label, _("status"))

    def get_formset(
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> type[RecentSessionsFormSet]:
        formset = cast(
            type[RecentSessionsFormSet], super().get_formset(request, obj, **kwargs)
        )
        formset.can_revoke = can_revoke(request.user)
        formset.revoke_url = formset.sessions_url = None
        if obj is not None:
            formset.revoke_url = admin_url(
                self.admin_site, obj, "revoke_sessions", obj.pk
            )
            changelist = admin_url(self.admin_site, Session, "changelist")
            if changelist:
                formset.sessions_url = f"{changelist}?user__pk__exact={quote(obj.pk)}"
        return formset


class SessionRevocationUserAdminMixin(RevocationAdminMixin):
    """
    Add session revocation to a user admin: put it before the admin class,
    ``class UserAdmin(SessionRevocationUserAdminMixin, BaseUserAdmin)``.

    It adds the read-only ``SessionInline``, the "Revoke all sessions of
    selected users" action and a "Revoke all sessions" page (a button at the
    top of the user's page and another under the inline), all behind the
    ``tokens.revoke_session`` permission.
    """

    session_inline = SessionInline
    change_form_tools_template = "admin/tokens/user_change_form.html"

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and self.session_inline not in inlines:
            inlines.append(self.session_inline)
        return inlines

    def get_actions(
        self, request: HttpRequest, action_location: Any = None
    ) -> dict[str, Any]:
        # Django 6.1 also asks for the change form's actions (action_location);
        # earlier versions call get_actions(request), for the change list. The
        # change form has its own "Revoke all sessions" button.
        if action_location is None:
            actions = super().get_actions(request)
        else:
            actions = super().get_actions(request, action_location=action_location)  # type: ignore[call-arg]  # Django 6.1+
        on_change_list = (
            getattr(action_location, "value", "CHANGE_LIST") == "CHANGE_LIST"
        )
        if self.actions is None or IS_POPUP_VAR in request.GET or not on_change_list:
            return actions
        if "revoke_all_sessions" not in actions and self.has_revoke_permission(request):
            action = self.get_action("revoke_all_sessions")
            if action is not None:
                actions["revoke_all_sessions"] = action
        return actions

    def get_urls(self) -> list[URLPattern]:
        return [
            self.admin_path(
                "<path:object_id>/revoke-sessions/",
                self.revoke_sessions_view,
                "revoke_sessions",
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        """Put "Revoke all sessions" in the object tools, above a long page."""
        response = super().render_change_form(
            request, context, add, change, form_url, obj
        )
        if obj is None or add or not self.has_revoke_permission(request):
            return response
        url = admin_url(self.admin_site, obj, "revoke_sessions", obj.pk)
        if (
            url is None
            or not isinstance(response, TemplateResponse)
            or response.context_data is None
        ):
            return response
        # Extend whatever template the user admin renders, whichever it is.
        response.context_data.update(
            revoke_sessions_url=url,
            user_change_form_template=resolve_template(response.template_name),
        )
        response.template_name = self.change_form_tools_template
        return response

    @admin.action(
        permissions=["revoke"], description=_("Revoke all sessions of selected users")
    )
    def revoke_all_sessions(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        users = list(queryset)
        title = ngettext(
            "Revoke all sessions of %(count)d user",
            "Revoke all sessions of %(count)d users",
            len(users),
        ) % {"count": len(users)}
        confirmation = RevocationConfirmation(
            self,
            request,
            title=title,
            hidden={
                "action": "revoke_all_sessions",
                helpers.ACTION_CHECKBOX_NAME: [user.pk for user in users],
            },
        )
        return confirmation.respond(
            lambda note: self.users_sessions_revoke(request, users, note),
            **self.users_context(users),
        )

    def revoke_sessions_view(
        self, request: HttpRequest, object_id: str
    ) -> HttpResponse:
        """Confirm, then revoke every session of one user (the page's button)."""
        return self.object_revoke_view(
            request,
            object_id,
            title=_("Revoke all sessions"),
            revoke=lambda user, note: self.users_sessions_revoke(request, [user], note),
            context=lambda user: self.users_context([user]),
        )

    def users_context(self, users: list[Any]) -> dict[str, Any]:
        sessions = Session.objects.unrevoked().filter(user__in=users)
        rows = session_rows(sessions.select_related("user"))
        return {"users": users, "rows": rows, "revoke_count": len(rows)}

    def users_sessions_revoke(
        self, request: HttpRequest, users: list[Any], note: str
    ) -> int:
        """Revoke every session of *users* as staff with *note*; return how many."""
        message = _("Revoked all sessions (%(count)d). Reason: %(note)s")
        results = self.revoke_each(
            request, users, services.user_sessions_revoke, "user", note=note,
            change_message=lambda count: message % {"count": count, "note": note},
        )  # fmt: skip
        for user, count in results:
            log_note(request=request, event="admin_user_sessions_revoked", note=note,
                     user_id=str(user.pk), count=count)  # fmt: skip
        return sum(count for _user, count in results)


def resolve_template(name: str | Sequence[str] | Any) -> Any:
    """Return the template a TemplateResponse would render for *name*."""
    if isinstance(name, str):
        return get_template(name)
    if isinstance(name, Sequence):
        return select_template(name)
    return name


def register_user_admin(
    site: admin.AdminSite | None = None, model: Any = None
) -> admin.ModelAdmin[Any]:
    """
    Add session revocation to the admin of *model* (the user model) on *site*.

    The admin class already registered is subclassed with
    ``SessionRevocationUserAdminMixin`` and registered again; a stock
    ``auth.User`` not yet registered gets Django's ``UserAdmin`` with the mixin.
    Call it from an ``admin.py`` loaded after ``django.contrib.auth``'s.
    """
    from django.contrib.auth.admin import UserAdmin
    from django.contrib.auth.models import User

    site = site or admin.site
    model = model or get_user_model()
    if model._meta.swapped:
        raise ImproperlyConfigured(
            f"{model._meta.label} is swapped for {model._meta.swapped}: "
            "pass the user model in use."
        )
    base: type[admin.ModelAdmin[Any]]
    if site.is_registered(model):
        base = type(site.get_model_admin(model))
        site.unregister(model)
    elif model is User:
        base = UserAdmin
    else:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no admin on {site.name!r}: register one "
            "with SessionRevocationUserAdminMixin instead."
        )
    if not issubclass(base, SessionRevocationUserAdminMixin):
        base = type(base.__name__, (SessionRevocationUserAdminMixin, base), {
            "__module__": base.__module__,
        })  # fmt: skip
    site.register(model, base)
    return site.get_model_admin(model)
