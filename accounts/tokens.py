"""The single-use, expiring token of an email-verification link."""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from accounts.app_settings import app_settings


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """
    Django's reset-token scheme with its own salt and state: the hash covers the
    address, the address waiting for verification and the verified flag, so a
    followed link (which changes one of them) never works again, and a link for
    one address says nothing about another.
    """

    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        return (
            f"{user.pk}{user.email}{user.pending_email}{user.email_verified}"
            f"{user.is_active}{timestamp}"
        )

    def check_token(self, user, token: str | None) -> bool:
        # The parent's check expires links after PASSWORD_RESET_TIMEOUT; these
        # have their own lifetime.
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - timestamp
        if age > app_settings.EMAIL_VERIFICATION_TIMEOUT.total_seconds():
            return False
        return any(
            constant_time_compare(
                self._make_token_with_timestamp(user, timestamp, secret), token
            )
            for secret in [self.secret, *self.secret_fallbacks]
        )


email_verification_token = EmailVerificationTokenGenerator()
