"""
Throttles for the sign-in endpoints, on Django's cache (Redis when shared).

Rates come from DRF's ``DEFAULT_THROTTLE_RATES`` under the scopes named here,
read on every request. A scope without a rate is not throttled (a system check
warns). Counting per account *and* per client keeps an attacker elsewhere from
locking a real user out; the per-account limit only slows a distributed guess,
and every window ends by itself.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ScopedThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose rate is looked up at request time."""

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        ident = self.get_subject(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_subject(self, request) -> str | None:
        return self.get_ident(request)


def account_key(request) -> str | None:
    """A digest of the account named in the body, so no email lands in the cache."""
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(get_user_model().USERNAME_FIELD) or data.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    return hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]


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


class RefreshIPThrottle(ScopedThrottle):
    scope = "refresh_ip"
