"""Building blocks shared by the session, refresh-token and user admins."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext_lazy as _

from tokens.devices import describe_user_agent
from tokens.models import RevocationReason, Session, SessionStatus


class _RuntimeClass:
    """Stand for a class that django-stubs makes generic and Django does not:
    ``Alias[Model]`` gives the class itself at run time."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __getitem__(self, params: object) -> type:
        return self.cls


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    ModelAdmin = admin.ModelAdmin
    TabularInline = admin.TabularInline
    InlineFormSet = BaseInlineFormSet
else:
    ModelAdmin = _RuntimeClass(admin.ModelAdmin)
    TabularInline = _RuntimeClass(admin.TabularInline)
    InlineFormSet = _RuntimeClass(BaseInlineFormSet)


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


# Columns -------------------------------------------------------------------


def column(
    render: Callable[[Any], Any],
    description: StrOrPromise,
    ordering: str | None = None,
) -> Callable[[Any, Any], Any]:
    """
    Return a list column (or read-only field) for a model admin's class body:
    ``last_used = column(lambda s: relative_datetime(s.last_used_at), _("last used"))``.
    """

    @admin.display(description=description, ordering=ordering)
    def show(model_admin: Any, obj: Any) -> Any:
        return render(obj)

    return show


def short_datetime(value: datetime) -> str:
    """Format *value* compactly in the current time zone."""
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def relative_datetime(value: datetime | None) -> SafeString | str:
    """
    Return "3 minutes ago" or "in 2 days" for a list column, the date and time
    in a tooltip: short words wrap, so the column stays narrow.
    """
    if value is None:
        return "–"
    now = timezone.now()
    if abs(value - now) < timedelta(minutes=1):
        text = str(_("just now"))
    elif value < now:
        text = _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
    else:
        text = _("in %(time)s") % {"time": timeuntil(value, now, depth=1)}
    return format_html('<span title="{}">{}</span>', short_datetime(value), text)


def truncated(text: str, length: int) -> SafeString:
    """Return *text* cut to *length* characters, whole in a ``title`` tooltip."""
    return format_html(
        '<span title="{}">{}</span>', text, Truncator(text).chars(length)
    )


def uuid_prefix(value: Any) -> SafeString:
    """Return the first block of a UUID, the whole UUID in a tooltip."""
    text = str(value)
    return format_html('<span title="{}">{}</span>', text, text[:8])


def one_line(text: str, title: str | None = None) -> SafeString:
    """
    Return *text* for a list cell that stays one line: the admin's stylesheet
    (``tokens/admin/lists.css``) cuts it with an ellipsis where it is too long
    for its column, and the tooltip (*title*, else *text*) shows it whole.
    """
    return format_html(
        '<span class="one-line" title="{}">{}</span>', title or text, text
    )


def user_label(user: Any) -> SafeString:
    """Return the user as the lists show it: one line, whole in a tooltip."""
    return one_line(str(user))


# The status of a revoked session, as the lists and pages say it: the reason's
# own label would double the word ("revoked: revoked by staff").
REVOKED_STATUS: dict[str, StrOrPromise] = {
    RevocationReason.LOGOUT: _("revoked: logout"),
    RevocationReason.LOGOUT_ALL: _("revoked: logout everywhere"),
    RevocationReason.REVOKED_BY_USER: _("revoked by the user"),
    RevocationReason.PASSWORD_CHANGED: _("revoked: password changed"),
    RevocationReason.PASSWORD_RESET: _("revoked: password reset"),
    RevocationReason.USER_DEACTIVATED: _("revoked: user deactivated"),
    RevocationReason.ADMIN: _("revoked by staff"),
    RevocationReason.REUSE_DETECTED: _("revoked: token reuse"),
}


def session_status_label(session: Session) -> str:
    """Return "active", "expired", "revoked by staff", "revoked: logout", ..."""
    status = session.get_status()
    if status != SessionStatus.REVOKED:
        return str(SessionStatus(status).label)
    label = REVOKED_STATUS.get(session.revoked_reason)
    if label is None:  # a reason added to the model but not named here
        reason = session.get_revoked_reason_display()
        return str(_("revoked: %(reason)s") % {"reason": reason})
    return str(label)


def session_status(session: Session) -> SafeString:
    """Return the status for a list column, the session's expiry in its tooltip."""
    label = session_status_label(session)
    if session.get_status() != SessionStatus.ACTIVE:
        return one_line(label)
    expiry = _("expires %(when)s") % {"when": short_datetime(session.expires_at)}
    return one_line(label, str(expiry))


def session_device(session: Session) -> str:
    """Return the session's browser and system, as people name them."""
    return describe_user_agent(session.user_agent)


def session_client(session: Session) -> SafeString:
    """Return the device for a list column; the agent and the id in a tooltip."""
    device = session_device(session)
    tooltip = f"{session.user_agent or device}\n{_('session')} {session.pk}"
    return one_line(device, tooltip)


# Behaviour -----------------------------------------------------------------


class ViewOnlyMixin:
    """Staff look; services change. Nothing is added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LimitedInlineFormSet(InlineFormSet[Any, Any, Any]):
    """Show only the newest ``limit`` related rows: a chain can be long."""

    limit = 20

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if not queryset.query.is_sliced:
            self._queryset = queryset[: self.limit]
        return self._queryset


class StatusFilter(admin.SimpleListFilter):
    """
    Filter by a model's status vocabulary: ``statuses`` (a ``TextChoices``)
    names the values and the queryset's ``with_status()`` selects them, so the
    filter, ``get_status()`` and the API never spell a status differently.
    """

    title = _("status")
    parameter_name = "status"
    statuses: ClassVar[type[models.TextChoices]]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(self.statuses.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in self.statuses.values:
            return queryset
        # A queryset of the model the filter is for, which has with_status().
        selected: QuerySet[Any] = queryset.with_status(value)  # type: ignore[attr-defined]
        return selected


def parse_uuid(term: str) -> uuid.UUID | None:
    """Return *term* as a UUID (with or without dashes), or None."""
    term = term.strip()
    if not 32 <= len(term) <= 38:
        return None
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


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
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        value = parse_uuid(search_term)
        if value is not None:
            found = found | queryset.filter(self.get_uuid_q(value))
        return found, may_have_duplicates
