"""
What every revoke action and button shares: the permission, the confirmation
page that asks staff for a reason, and the loop that revokes, records and reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tokens.admin.base import admin_url, session_device, session_status_label
from tokens.forms import RevocationForm
from tokens.models import RevocationReason, Session
from tokens.security import security_event

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # What the mixin expects of the model admin it is mixed into.
    _Base = admin.ModelAdmin[Any]
else:
    _Base = object

REVOKE_PERMISSION = "revoke_session"

Target = TypeVar("Target", bound=Model)


def can_revoke(user: Any) -> bool:
    """Return whether *user* holds the model permission to revoke sessions."""
    return bool(user.has_perm(f"{Session._meta.app_label}.{REVOKE_PERMISSION}"))


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


def revoked_sessions_message(count: int) -> str:
    return ngettext(
        "Revoked %(count)d session.", "Revoked %(count)d sessions.", count
    ) % {"count": count}


def session_rows(sessions: Iterable[Session]) -> list[dict[str, Any]]:
    """Return what a confirmation page shows of each session."""
    return [
        {
            "session": session,
            "device": session_device(session),
            "status": session_status_label(session),
            "is_revoked": session.revoked_at is not None,
        }
        for session in sessions
    ]


class RevocationConfirmation:
    """
    The confirmation step shared by every revoke action and button.

    ``respond`` shows the page (GET, or the first POST of an action) and, once
    staff confirm with a reason, calls *revoke* with the note and returns None.
    """

    template_name = "admin/tokens/revoke_confirmation.html"

    def __init__(
        self,
        model_admin: admin.ModelAdmin[Any],
        request: HttpRequest,
        *,
        title: StrOrPromise,
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
        self, revoke: Callable[[str], object], **context: Any
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


class RevocationAdminMixin(_Base):
    """
    The revoke permission, the one-object revoke page and the revoke loop, for
    a model admin whose objects (sessions, users) can be revoked by staff.
    """

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return can_revoke(request.user)

    def admin_path(
        self, route: str, view: Callable[..., HttpResponse], suffix: str
    ) -> URLPattern:
        """Route *view* behind ``admin_view``, named ``<app>_<model>_<suffix>``."""
        name = f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"
        return path(route, self.admin_site.admin_view(view), name=name)

    def check_revoke_permission(self, request: HttpRequest) -> None:
        request.current_app = self.admin_site.name
        if not self.has_revoke_permission(request):
            raise PermissionDenied

    def object_revoke_view(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        title: StrOrPromise,
        revoke: Callable[[Any, str], object],
        context: Callable[[Any], dict[str, Any]],
        refusal: Callable[[Any], StrOrPromise | None] = lambda obj: None,
    ) -> HttpResponse:
        """
        Confirm, then *revoke* the object *object_id* with the staff's note and
        go back to its change page; *refusal* may name why there is nothing to do.
        """
        self.check_revoke_permission(request)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # Django's own answer for a missing object: a message and a redirect.
            missing: HttpResponse = self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                request, self.opts, object_id
            )
            return missing
        change_url = admin_url(self.admin_site, obj, "change", obj.pk) or reverse(
            f"{self.admin_site.name}:index"
        )
        refused = refusal(obj)
        if refused:
            self.message_user(request, refused, messages.WARNING)
            return HttpResponseRedirect(change_url)
        confirmation = RevocationConfirmation(
            self, request, title=title, cancel_url=change_url
        )
        response = confirmation.respond(
            lambda note: revoke(obj, note), original=obj, **context(obj)
        )
        return response or HttpResponseRedirect(change_url)

    def revoke_each(
        self,
        request: HttpRequest,
        targets: Iterable[Target],
        service: Callable[..., int | bool],
        target_arg: str,
        *,
        note: str,
        change_message: Callable[[int], str | None],
    ) -> list[tuple[Target, int]]:
        """
        Revoke each target as staff with their *note* (kept on each session)
        through *service* (called with the target as *target_arg*; it returns
        how many sessions it revoked), record *change_message* in the target's
        admin history when it gives one, tell staff the total, and return each
        target with its count.
        """
        results = []
        for target in targets:
            count = int(
                service(
                    **{target_arg: target},
                    reason=RevocationReason.ADMIN,
                    by=request.user,
                    note=note,
                )
            )
            message = change_message(count)
            if message:
                self.log_change(request, target, message)
            results.append((target, count))
        total = sum(count for _target, count in results)
        self.message_user(request, revoked_sessions_message(total), messages.SUCCESS)
        return results


def staff_note_message(note: str) -> str:
    return str(_("Revoked by staff. Reason: %(note)s") % {"note": note})
