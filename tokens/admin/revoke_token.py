"""The "Revoke a token" page: find the session of a pasted token, offer to revoke it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework_simplejwt.exceptions import TokenError

from tokens import services
from tokens.admin.base import admin_url
from tokens.admin.revocation import RevocationAdminMixin, session_rows
from tokens.exceptions import SessionInvalid
from tokens.forms import RevocationForm, TokenPasteForm
from tokens.models import Session


class RevokeTokenPageMixin(RevocationAdminMixin):
    """The page behind the session list's "Revoke a token" button."""

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

    def inspection_context(
        self, inspection: services.TokenInspection
    ) -> dict[str, Any]:
        session = inspection.session
        record = inspection.record
        return {
            "session_row": session_rows([session])[0],
            "session_url": admin_url(self.admin_site, Session, "change", session.pk),
            "user_url": admin_url(
                self.admin_site, session.user, "change", session.user.pk
            ),
            "revoke_url": admin_url(self.admin_site, Session, "revoke", session.pk),
            "record_status": record.get_status() if record is not None else None,
        }
