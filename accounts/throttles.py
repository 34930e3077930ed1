"""
Throttles of the account endpoints, on the shared cache like the login's.

Rates are the ``DEFAULT_THROTTLE_RATES`` of the scopes named here. The
per-account counters are keyed by a digest of the address in the body, taken
whether or not an account has it, so a 429 tells nothing about existence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokens.throttles import AccountScopedThrottle, ScopedThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request

# The body fields through which the account endpoints check a password.
PASSWORD_FIELDS = frozenset({"current_password", "password"})


class RegisterIPThrottle(ScopedThrottle):
    scope = "register_ip"


class PasswordResetIPThrottle(ScopedThrottle):
    """Counts reset requests and confirmations of one client together."""

    scope = "password_reset_ip"


class PasswordResetAccountThrottle(AccountScopedThrottle):
    """Limits the reset mails one address can be sent, whoever asks."""

    scope = "password_reset_account"


class EmailVerificationIPThrottle(ScopedThrottle):
    """Counts one client's link requests and confirmations together."""

    scope = "email_verification_ip"


class EmailVerificationAccountThrottle(AccountScopedThrottle):
    """Limits the verification mails one address can be sent, whoever asks."""

    scope = "email_verification_account"


class CurrentPasswordThrottle(ScopedThrottle):
    """
    Limit, per account, the requests that verify the current password, at the
    sign-in rate per account: a stolen access token must not become a way to
    guess the password faster than the login endpoint allows.
    """

    scope = "login_account"

    def get_subject(self, request: Request) -> str | None:
        # Only a request carrying a password can be a guess: changing the
        # display name alone verifies nothing and costs nothing here.
        data = request.data if isinstance(request.data, dict) else {}
        if not PASSWORD_FIELDS & data.keys():
            return None
        pk = getattr(request.user, "pk", None)
        return f"user:{pk}" if pk is not None else None
