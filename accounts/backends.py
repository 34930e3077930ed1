"""
The authentication backend: Django's, plus the email-verification rule.

``tokens`` signs in through ``django.contrib.auth.authenticate()`` and knows
nothing of verification; this backend is where ``mandatory`` verification
refuses a sign-in, so the token app stays generic.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.app_settings import app_settings
from accounts.services import registration_claim_matches


class EmailUnverified(AuthenticationFailed):
    """Sign-in refused until the address is verified (DRF's 401 shape, coded)."""

    default_detail = _(
        "This email address is not verified yet: follow the link mailed to it, "
        "or ask for a new one."
    )
    default_code = "email_unverified"


class EmailVerificationBackend(ModelBackend):
    """
    ``ModelBackend`` that, with ``ACCOUNTS_EMAIL_VERIFICATION = "mandatory"``,
    refuses an unverified account, and answers a sign-in with the password of
    a recent registration of a taken address in exactly the same way (see
    ``accounts.services.user_register``): otherwise registering an address and
    then signing in would tell whether it already had an account.
    """

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        user = super().authenticate(request, username, password, **kwargs)
        if not app_settings.verification_mandatory:
            return user
        if user is not None and user.email_verified:
            return user
        if username is None or password is None:
            return None
        # Run the claim check for the unverified account too: both refusals
        # then cost one extra hash.
        claimed = registration_claim_matches(email=username, password=password)
        if user is None and not claimed:
            return None
        raise self.get_refusal(request)

    def get_refusal(self, request: Any) -> Exception:
        """The API gets a coded 401; a form (the admin's) a plain refusal."""
        if isinstance(request, Request):
            return EmailUnverified()
        return PermissionDenied()
