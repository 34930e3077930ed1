"""
Settings of the accounts app, in the manner of django-allauth's
``AppSettings``: one lazy object, a property per setting, each read while code
runs (never at import), so ``override_settings`` and pytest's ``settings``
fixture apply at once.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from django.conf import settings


class Verification(StrEnum):
    NONE = "none"
    OPTIONAL = "optional"
    MANDATORY = "mandatory"


class AccountsSettings:
    @property
    def EMAIL_VERIFICATION(self) -> str:
        """
        ``ACCOUNTS_EMAIL_VERIFICATION``, as django-allauth's setting of that
        name: ``none`` sends no link; ``optional`` (the default) mails a link
        and shows the state but lets unverified accounts sign in;
        ``mandatory`` refuses sign-in until the link is followed, and holds an
        address change until the new address is verified.
        """
        return getattr(settings, "ACCOUNTS_EMAIL_VERIFICATION", Verification.OPTIONAL)

    @property
    def EMAIL_VERIFICATION_TIMEOUT(self) -> timedelta:
        """How long a verification link works (three days)."""
        return getattr(
            settings, "ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT", timedelta(days=3)
        )

    @property
    def FRONTEND_VERIFY_URL(self) -> str:
        """The page a verification link opens, with ``{uid}`` and ``{token}``."""
        return getattr(
            settings,
            "FRONTEND_VERIFY_URL",
            "http://127.0.0.1:8000/verify/{uid}/{token}/",
        )

    @property
    def verification_mandatory(self) -> bool:
        return self.EMAIL_VERIFICATION == Verification.MANDATORY

    @property
    def verification_off(self) -> bool:
        return self.EMAIL_VERIFICATION == Verification.NONE


app_settings = AccountsSettings()
