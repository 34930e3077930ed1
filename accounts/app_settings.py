"""
Settings of the accounts app, read while code runs (never at import), so that
``override_settings`` and pytest's ``settings`` fixture apply at once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

VERIFICATION_NONE = "none"
VERIFICATION_OPTIONAL = "optional"
VERIFICATION_MANDATORY = "mandatory"
VERIFICATION_MODES = (VERIFICATION_NONE, VERIFICATION_OPTIONAL, VERIFICATION_MANDATORY)


def email_verification() -> str:
    """
    ``ACCOUNTS_EMAIL_VERIFICATION``, as django-allauth's setting of that name:
    ``none`` sends no link; ``optional`` (the default) mails a link and shows
    the state but lets unverified accounts sign in; ``mandatory`` refuses
    sign-in until the link is followed, and holds an address change until the
    new address is verified.
    """
    return getattr(settings, "ACCOUNTS_EMAIL_VERIFICATION", VERIFICATION_OPTIONAL)


def email_verification_timeout() -> timedelta:
    """How long a verification link works (``ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT``)."""
    return getattr(settings, "ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT", timedelta(days=3))


def frontend_verify_url() -> str:
    """The page a verification link opens, with ``{uid}`` and ``{token}``."""
    return getattr(
        settings, "FRONTEND_VERIFY_URL", "http://127.0.0.1:8000/verify/{uid}/{token}/"
    )
