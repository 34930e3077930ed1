"""Forms of the revocation admin: the staff's reason, and a pasted token."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy as _

from tokens.app_settings import app_settings
from tokens.models import NOTE_MAX_LENGTH


class SecretTextarea(forms.Textarea):
    """A textarea that never renders its value back, even after an error."""

    def format_value(self, value: Any) -> None:
        return None


class RevocationForm(forms.Form):
    """Ask staff why they revoke: the note goes to the admin log and security log."""

    note = forms.CharField(
        label=_("Reason"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Required. Recorded in the admin history and the security log, "
            "e.g. “laptop reported stolen, ticket #123”."
        ),
    )


class TokenPasteForm(forms.Form):
    """A pasted access or refresh token. Never rendered back, never stored."""

    token = forms.CharField(
        label=_("Token"),
        widget=SecretTextarea(
            attrs={"rows": 5, "cols": 80, "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_(
            "An access or refresh token issued by this site, expired or not. "
            "It is checked and forgotten: it is not stored or logged."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limit is a setting, read per form so that a change applies.
        field = cast(forms.CharField, self.fields["token"])
        field.max_length = app_settings.MAX_TOKEN_BYTES
        field.validators.append(validators.MaxLengthValidator(field.max_length))
        field.widget.attrs["maxlength"] = str(field.max_length)

    def clean_token(self) -> str:
        value = "".join(self.cleaned_data["token"].split())
        # People paste the whole header value.
        if value[:6].lower() == "bearer":
            value = value[6:]
        return value
