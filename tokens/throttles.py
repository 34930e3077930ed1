"""
Throttles for the sign-in endpoints, on Django's cache (Redis when shared).

Rates come from DRF's ``DEFAULT_THROTTLE_RATES`` under the scopes named here,
read on every request, else from the built-in defaults
(``tokens.app_settings.DEFAULT_THROTTLE_RATES``). A scope set to ``None`` is not
throttled (a system check warns). Every refusal is a 429 with ``Retry-After``
and a ``throttled`` security event.

Login is counted three ways (SECURITY.md, "Throttling"):

- ``login_ip``: one client trying many accounts (credential stuffing);
- ``login_account_ip``: one client guessing one account's password. It is the
  tight limit, and it only ever blocks that client, so an attacker elsewhere
  cannot lock the real user out with it;
- ``login_account``: a looser ceiling per account, whatever the client, that
  only a distributed guess reaches. An attacker can at worst slow the user down
  while sustaining that attack: no account is ever locked, and every window
  ends by itself.
"""

from __future__ import annotations

import hashlib
import logging

from django.contrib.auth import get_user_model
from rest_framework.throttling import SimpleRateThrottle

from tokens.app_settings import app_settings

security_log = logging.getLogger("tokens.security")


class ScopedThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose rate is looked up at request time."""

    scope: str

    def get_rate(self) -> str | None:
        return app_settings.throttle_rate(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        ident = self.get_subject(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_subject(self, request) -> str | None:
        return self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if not allowed:
            self.throttled(request)
        return allowed

    def throttled(self, request) -> None:
        """Log a refusal as a security event: the scope and client, no account."""
        security_log.warning(
            "request throttled",
            extra={
                "event": "throttled",
                "scope": self.scope,
                "ip": self.get_ident(request),
                "path": request.path,
            },
        )


def account_key(request) -> str | None:
    """A digest of the account named in the body, so no email lands in the cache."""
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(get_user_model().USERNAME_FIELD) or data.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    # surrogatepass: a lone surrogate ("\ud800" in JSON) is counted, not a 500.
    digest = hashlib.sha256(value.strip().casefold().encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


class AccountScopedThrottle(ScopedThrottle):
    def get_subject(self, request) -> str | None:
        return account_key(request)


class AccountClientScopedThrottle(ScopedThrottle):
    def get_subject(self, request) -> str | None:
        account = account_key(request)
        return f"{account}:{self.get_ident(request)}" if account else None


class LoginIPThrottle(ScopedThrottle):
    scope = "login_ip"


class LoginAccountThrottle(AccountScopedThrottle):
    scope = "login_account"


class LoginAccountClientThrottle(AccountClientScopedThrottle):
    scope = "login_account_ip"


class RefreshIPThrottle(ScopedThrottle):
    scope = "refresh_ip"
