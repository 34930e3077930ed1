"""
The revocation admin: sessions and refresh tokens, view-only, with revoke actions.

Every revocation goes through a confirmation page that asks staff for a reason,
runs only on POST (CSRF-checked by ``admin_view``), calls the same services as
the API, and leaves an admin ``LogEntry`` plus a security-log event.

A site adds the user-side features (sessions inline, "Revoke all sessions"
action and button) to its own user admin with ``SessionRevocationUserAdminMixin``;
a site on the stock ``auth.User`` calls ``register_user_admin()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    PermissionDenied,
)
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework_simplejwt.exceptions import TokenError

from tokens import services
from tokens.devices import describe_user_agent
from tokens.exceptions import SessionInvalid
from tokens.forms import RevocationForm, TokenPasteForm
from tokens.models import RefreshTokenRecord, RevocationReason, Session, SessionStatus
from tokens.security import security_event

REVOKE_PERMISSION = "revoke_session"


def can_revoke(user: Any) -> bool:
    """Return whether *user* holds the model permission to revoke sessions."""
    return user.has_perm(f"{Session._meta.app_label}.{REVOKE_PERMISSION}")


def session_status_label(session: Session) -> str:
    """Return "active", "expired" or "revoked: <reason>" for *session*."""
    status = session.get_status()
    if status == SessionStatus.REVOKED:
        reason = session.get_revoked_reason_display()
        return _("revoked: %(reason)s") % {"reason": reason}
    return SessionStatus(status).label


def short_datetime(value: datetime) -> str:
    """Format *value* compactly in the current time zone, for list columns."""
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def user_search_fields(prefix: str) -> list[str]:
    """Return lookups for the user model's login and email fields under *prefix*."""
    model = get_user_model()
    names = dict.fromkeys([model.USERNAME_FIELD, model.get_email_field_name()])
    fields = []
    for name in names:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        fields.append(f"{prefix}__{name}")
    return fields


def parse_uuid(term: str) -> uuid.UUID | None:
    """Return *term* as a UUID (with or without dashes), or None."""
    term = term.strip()
    if not 32 <= len(term) <= 38:
        return None
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


def log_note(*, request: HttpRequest, event: str, note: str, **ids: Any) -> None:
    """Write the staff member's reason to the security log (never a token)."""
    security_event(
        event,
        "staff revocation",
        request=request,
        actor=request.user.pk,
        note=note,
        **ids,
    )


def session_rows(sessions: Iterable[Session]) -> list[dict[str, Any]]:
    """Return what a confirmation page shows of each session."""
    return [
        {
            "session": session,
            "device": describe_user_agent(session.user_agent),
            "status": session_status_label(session),
            "is_revoked": session.revoked_at is not None,
        }
        for session in sessions
    ]


def admin_url(site: admin.AdminSite, model: Any, view: str, *args: Any) -> str | None:
    """Return the URL of *model*'s admin *view* on *site*, or None if it has none."""
    opts = model._meta
    try:
        return reverse(
            f"{site.name}:{opts.app_label}_{opts.model_name}_{view}",
            args=[quote(arg) for arg in args],
        )
    except NoReverseMatch:
        return None


class RevocationConfirmation:
    """
    The confirmation step shared by every revoke action and button.

    ``respond`` shows the page (GET, or the first POST of an action) and, once
    staff confirm with a reason, calls *revoke* with the note and returns None.
    """

    template_name = "admin/tokens/revoke_confirmation.html"

    def __init__(
        self,
        model_admin: admin.ModelAdmin,
        request: HttpRequest,
        *,
        title: str,
        hidden: dict[str, Any] | None = None,
        cancel_url: str | None = None,
    ) -> None:
        self.model_admin = model_admin
        self.request = request
        self.title = title
        self.hidden = [
            (name, value)
            for name, values in (hidden or {}).items()
            for value in (values if isinstance(values, list) else [values])
        ]
        self.cancel_url = cancel_url

    def respond(
        self, revoke: Callable[[str], None], **context: Any
    ) -> TemplateResponse | None:
        confirmed = self.request.method == "POST" and self.request.POST.get("post")
        form = RevocationForm(self.request.POST if confirmed else None)
        if confirmed and form.is_valid():
            revoke(form.cleaned_data["note"])
            return None
        return self.render(form, context)

    def render(self, form: RevocationForm, context: dict[str, Any]) -> TemplateResponse:
        admin_site = self.model_admin.admin_site
        self.request.current_app = admin_site.name
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                **admin_site.each_context(self.request),
                "title": self.title,
                "subtitle": None,
                "opts": self.model_admin.opts,
                "form": form,
                "hidden": self.hidden,
                "cancel_url": self.cancel_url,
                "media": self.model_admin.media + form.media,
                **context,
            },
        )


class SessionStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(SessionStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == SessionStatus.ACTIVE:
            return queryset.active()
        if self.value() == SessionStatus.EXPIRED:
            return queryset.expired()
        if self.value() == SessionStatus.REVOKED:
            return queryset.revoked()
        return queryset


class RefreshTokenStatusFilter(admin.SimpleListFilter):
    """The statuses of ``RefreshTokenRecord.get_status``, in the same order."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("active", _("active")),
            ("used", _("used")),
            ("expired", _("expired")),
            ("revoked", _("revoked")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value, now = self.value(), timezone.now()
        unrevoked = queryset.filter(session__revoked_at__isnull=True)
        if value == "revoked":
            return queryset.filter(session__revoked_at__isnull=False)
        if value == "used":
            return unrevoked.filter(used_at__isnull=False)
        if value == "expired":
            return unrevoked.filter(used_at__isnull=True, expires_at__lte=now)
        if value == "active":
            return unrevoked.filter(used_at__isnull=True, expires_at__gt=now)
        return queryset


class UUIDSearchMixin:
    """
    Search the user's login/email fields, and identifiers when the term is a UUID.

    UUID fields are not in ``search_fields``: ``icontains`` on them is slow and a
    non-UUID term must not reach a UUID lookup. ``get_uuid_q`` matches exactly,
    and only when the term parses.
    """

    user_path = "user"

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return user_search_fields(self.user_path)

    def get_uuid_q(self, value: uuid.UUID) -> Q:
        return Q(pk=value)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        found, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        value = parse_uuid(search_term)
        if value is not None:
            found = found | queryset.filter(self.get_uuid_q(value))
        return found, may_have_duplicates


class ViewOnlyMixin:
    """Staff look; services change. Nothing is added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LimitedInlineFormSet(BaseInlineFormSet):
    """Show only the newest ``limit`` related rows: a chain can be long."""

    limit = 20

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if not queryset.query.is_sliced:
            self._queryset = queryset[: self.limit]
        return self._queryset


class RefreshTokenFormSet(LimitedInlineFormSet):
    limit = 50


class RefreshTokenInline(ViewOnlyMixin, admin.TabularInline):
    """A session's refresh-token chain: issued, used, and what replaced each."""

    model = RefreshTokenRecord
    formset = RefreshTokenFormSet
    fields = ("issued_at", "expires_at", "used_at", "successor_jti", "status")
    readonly_fields = fields
    ordering = ("-issued_at",)
    extra = 0
    can_delete = False
    verbose_name_plural = _("refresh-token chain (newest first)")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("session")

    @admin.display(description=_("status"))
    def status(self, record: RefreshTokenRecord) -> str:
        return record.get_status()


@admin.register(Session)
class SessionAdmin(UUIDSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = (
        "short_id",
        "user",
        "status",
        "device",
        "ip_address",
        "created",
        "last_used",
        "expires",
    )
    list_display_links = ("short_id",)
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
        (_("Revocation"), {"fields": ("revoked_at", "revoked_reason", "revoked_by")}),
    )
    readonly_fields = (
        "id", "user", "status", "device", "user_agent", "ip_address", "created_at",
        "last_used_at", "idle_expires_at", "expires_at", "revoked_at",
        "revoked_reason", "revoked_by",
    )  # fmt: skip

    def get_uuid_q(self, value: uuid.UUID) -> Q:
        jtis = RefreshTokenRecord.objects.filter(jti=value).values("session_id")
        return Q(pk=value) | Q(pk__in=jtis)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return can_revoke(request.user)

    @admin.display(description=_("session"), ordering="id")
    def short_id(self, session: Session) -> str:
        return str(session.pk)[:8]

    @admin.display(description=_("device"))
    def device(self, session: Session) -> str:
        return describe_user_agent(session.user_agent)

    @admin.display(description=_("status"))
    def status(self, session: Session) -> str:
        return session_status_label(session)

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, session: Session) -> str:
        return short_datetime(session.created_at)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, session: Session) -> str:
        return short_datetime(session.last_used_at)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, session: Session) -> str:
        return short_datetime(session.expires_at)

    @admin.display(description=_("idle expiry"))
    def idle_expires_at(self, session: Session) -> str:
        value = timezone.localtime(session.idle_expires_at)
        return date_format(value, "DATETIME_FORMAT")

    # Pages -----------------------------------------------------------------

    def get_urls(self) -> list:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "revoke-token/",
                self.admin_site.admin_view(self.revoke_token_view),
                name=f"{prefix}_revoke_token",
            ),
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name=f"{prefix}_revoke",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), **self.revoke_context(request)}
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), **self.revoke_context(request)}
        extra_context["refresh_tokens_url"] = self.refresh_tokens_url(object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def revoke_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"can_revoke": self.has_revoke_permission(request)}

    def refresh_tokens_url(self, object_id: str) -> str | None:
        url = admin_url(self.admin_site, RefreshTokenRecord, "changelist")
        return f"{url}?session__pk__exact={object_id}" if url else None

    def check_revoke_permission(self, request: HttpRequest) -> None:
        request.current_app = self.admin_site.name
        if not self.has_revoke_permission(request):
            raise PermissionDenied

    # Revoking --------------------------------------------------------------

    @admin.action(permissions=["revoke"], description=_("Revoke selected sessions"))
    def revoke_selected(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        sessions = list(queryset.select_related("user"))
        if all(session.revoked_at is not None for session in sessions):
            self.message_user(
                request,
                _("The selected sessions are already revoked."),
                messages.WARNING,
            )
            return None
        confirmation = RevocationConfirmation(
            self,
            request,
            title=_("Revoke sessions"),
            hidden={
                "action": "revoke_selected",
                helpers.ACTION_CHECKBOX_NAME: [session.pk for session in sessions],
            },
        )
        return confirmation.respond(
            lambda note: self.sessions_revoke(request, sessions, note),
            rows=session_rows(sessions),
        )

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then revoke one session (its change page's button)."""
        self.check_revoke_permission(request)
        session = self.get_object(request, unquote(object_id))
        if session is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = admin_url(self.admin_site, Session, "change", session.pk)
        if session.revoked_at is not None:
            self.message_user(
                request, _("This session is already revoked."), messages.WARNING
            )
            return HttpResponseRedirect(change_url)
        confirmation = RevocationConfirmation(
            self, request, title=_("Revoke session"), cancel_url=change_url
        )
        response = confirmation.respond(
            lambda note: self.sessions_revoke(request, [session], note),
            rows=session_rows([session]),
            original=session,
        )
        return response or HttpResponseRedirect(change_url)

    def sessions_revoke(
        self, request: HttpRequest, sessions: Iterable[Session], note: str
    ) -> int:
        """Revoke *sessions* as staff with *note*; log each; return how many."""
        revoked = []
        for session in sessions:
            if services.session_revoke(
                session=session, reason=RevocationReason.ADMIN, by=request.user
            ):
                self.log_change(request, session, _revoked_message(note))
                revoked.append(str(session.pk))
        log_note(request=request, event="admin_sessions_revoked", note=note,
                 sids=revoked)  # fmt: skip
        self.message_user(
            request,
            ngettext("Revoked %(count)d session.", "Revoked %(count)d sessions.",
                     len(revoked)) % {"count": len(revoked)},
            messages.SUCCESS,
        )  # fmt: skip
        return len(revoked)

    @method_decorator(sensitive_post_parameters("token"))
    def revoke_token_view(self, request: HttpRequest) -> TemplateResponse:
        """Identify the session of a pasted token and offer to revoke it."""
        self.check_revoke_permission(request)
        form = TokenPasteForm(request.POST if request.method == "POST" else None)
        inspection = None
        if form.is_valid():
            inspection = self.inspect_token(form)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke a token"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "inspection": inspection,
            "revoke_form": RevocationForm(),
        }
        if inspection is not None:
            context.update(self.inspection_context(inspection))
        return TemplateResponse(request, "admin/tokens/revoke_token.html", context)

    def inspect_token(self, form: TokenPasteForm) -> services.TokenInspection | None:
        try:
            return services.token_inspect(raw=form.cleaned_data["token"])
        except SessionInvalid:
            form.add_error("token", _(
                "This token was signed by this site, but its session no longer "
                "exists (it expired and was deleted)."
            ))  # fmt: skip
        except TokenError:
            form.add_error("token", _(
                "This is not a token of this site: it is malformed, forged, or "
                "signed with a key this site does not know."
            ))  # fmt: skip
        return None

    def inspection_context(self, inspection: services.TokenInspection) -> dict:
        session = inspection.session
        return {
            "session_row": session_rows([session])[0],
            "session_url": admin_url(self.admin_site, Session, "change", session.pk),
            "user_url": admin_url(
                self.admin_site, session.user, "change", session.user.pk
            ),
            "revoke_url": admin_url(self.admin_site, Session, "revoke", session.pk),
            "record_status": inspection.record.get_status()
            if inspection.record is not None
            else None,
        }


def _revoked_message(note: str) -> str:
    return _("Revoked by staff. Reason: %(note)s") % {"note": note}


@admin.register(RefreshTokenRecord)
class RefreshTokenRecordAdmin(UUIDSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    """The blacklist, as records: a token is dead once used or its session revoked."""

    list_display = (
        "jti", "session_link", "user", "issued_at", "expires_at", "used_at", "status",
    )  # fmt: skip
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

    def get_uuid_q(self, value: uuid.UUID) -> Q:
        return Q(pk=value) | Q(session_id=value)

    @admin.display(description=_("session"), ordering="session")
    def session_link(self, record: RefreshTokenRecord) -> str:
        url = admin_url(self.admin_site, Session, "change", record.session_id)
        label = str(record.session_id)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description=_("user"))
    def user(self, record: RefreshTokenRecord) -> str:
        return str(record.session.user)

    @admin.display(description=_("status"))
    def status(self, record: RefreshTokenRecord) -> str:
        return record.get_status()


# User admin ------------------------------------------------------------------


class RecentSessionsFormSet(LimitedInlineFormSet):
    limit = 20


class SessionInline(ViewOnlyMixin, admin.TabularInline):
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

    @admin.display(description=_("device"))
    def device(self, session: Session) -> str:
        return describe_user_agent(session.user_agent)

    @admin.display(description=_("status"))
    def status(self, session: Session) -> str:
        return session_status_label(session)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
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


class SessionRevocationUserAdminMixin:
    """
    Add session revocation to a user admin: put it before the admin class,
    ``class UserAdmin(SessionRevocationUserAdminMixin, BaseUserAdmin)``.

    It adds the read-only ``SessionInline``, the "Revoke all sessions of
    selected users" action and a "Revoke all sessions" page (the inline's
    button), all behind the ``tokens.revoke_session`` permission.
    """

    session_inline = SessionInline

    def get_inlines(self, request: HttpRequest, obj: Any) -> list:
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and self.session_inline not in inlines:
            inlines.append(self.session_inline)
        return inlines

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return can_revoke(request.user)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        if "revoke_all_sessions" not in actions and self.has_revoke_permission(request):
            actions["revoke_all_sessions"] = self.get_action("revoke_all_sessions")
        return actions

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_revoke_sessions"
        return [
            path(
                "<path:object_id>/revoke-sessions/",
                self.admin_site.admin_view(self.revoke_sessions_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    @admin.action(
        permissions=["revoke"], description=_("Revoke all sessions of selected users")
    )
    def revoke_all_sessions(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        users = list(queryset)
        confirmation = RevocationConfirmation(
            self,
            request,
            title=_("Revoke all sessions of users"),
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
        """Confirm, then revoke every session of one user (the inline's button)."""
        request.current_app = self.admin_site.name
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = admin_url(self.admin_site, user, "change", user.pk)
        confirmation = RevocationConfirmation(
            self, request, title=_("Revoke all sessions"), cancel_url=change_url
        )
        response = confirmation.respond(
            lambda note: self.users_sessions_revoke(request, [user], note),
            original=user,
            **self.users_context([user]),
        )
        return response or HttpResponseRedirect(change_url)

    def users_context(self, users: list[Any]) -> dict[str, Any]:
        sessions = Session.objects.unrevoked().filter(user__in=users)
        return {"users": users, "rows": session_rows(sessions.select_related("user"))}

    def users_sessions_revoke(
        self, request: HttpRequest, users: Iterable[Any], note: str
    ) -> int:
        """Revoke every session of *users* as staff with *note*; return how many."""
        total = 0
        for user in users:
            count = services.user_sessions_revoke(
                user=user, reason=RevocationReason.ADMIN, by=request.user
            )
            message = _("Revoked all sessions (%(count)d). Reason: %(note)s")
            self.log_change(request, user, message % {"count": count, "note": note})
            log_note(request=request, event="admin_user_sessions_revoked", note=note,
                     user_id=str(user.pk), count=count)  # fmt: skip
            total += count
        self.message_user(
            request,
            ngettext("Revoked %(count)d session.", "Revoked %(count)d sessions.",
                     total) % {"count": total},
            messages.SUCCESS,
        )  # fmt: skip
        return total


def register_user_admin(
    site: admin.AdminSite | None = None, model: Any = None
) -> admin.ModelAdmin:
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
