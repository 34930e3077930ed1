"""System checks of the accounts app's settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from accounts.app_settings import Verification, app_settings


@register()
def check_email_verification(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """ACCOUNTS_EMAIL_VERIFICATION must name one of the three modes."""
    mode = app_settings.EMAIL_VERIFICATION
    if mode in list(Verification):
        return []
    return [
        Error(
            f"ACCOUNTS_EMAIL_VERIFICATION is {mode!r}.",
            hint="Use one of: " + ", ".join(Verification) + ".",
            id="accounts.E001",
        )
    ]
