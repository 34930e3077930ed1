"""
Throttles for the sign-in endpoints, on Django's cache (Redis when shared).

Rates come from DRF's ``DEFAULT_THROTTLE_RATES`` under the scopes named here,
read on every request, else from the built-in defaults
(``tokens.app_settings.DEFAULT_THROTTLE_RATES``). A scope set to ``None`` is not
throttled (a system check warns). Every refusal is a 429 with ``Retry-After``
and a ``throttled`` security event.

Login is counted three ways (SECURITY.md, "Throttling"):

- ``login_ip``: every sign-in attempt of one client, a generous ceiling against
  one address spraying many accounts; an office behind one address stays
  under it;
- ``login_account_ip``: *failed* attempts on one account from one client: the
  tight limit against guessing one password. It only ever blocks that client,
  so an attacker elsewhere cannot lock the real user out with it;
- ``login_account``: *failed* attempts on one account from anywhere, a looser
  ceiling that only a distributed guess reaches.

The two per-account buckets count failures, in the manner of Auth0's
brute-force protection and django-axes: a successful sign-in consumes nothing,
so signing in often never gets a user a 429. The view reports a failure with
``failed_login_record``.

Accounts are keyed by a digest of their canonical name, the form sign-in
compares (``ACCOUNT_NORMALIZER``), so look-alike spellings such as a fullwidth
``ｔ`` count in the account's own bucket.

When the cache fails (Redis down, slow, or reconnecting), throttles fall back
to a limiter in each process's memory with the same rates: requests are still
answered, and still bounded (by the rate times the number of processes). The
cache is tried again after ``SHARED_CACHE_RETRY`` seconds; a failing cache
costs at most one timeout per process in that time.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache as default_cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string
from rest_framework.throttling import SimpleRateThrottle

from tokens.app_settings import app_settings
from tokens.security import security_event

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

SHARED_CACHE_RETRY = 5.0  # seconds between attempts at a failing cache
# Counters of the per-process fallback; enough for every client of an outage,
# and culled like any LocMemCache beyond that.
FALLBACK_MAX_ENTRIES = 50_000
FAILURES_ATTRIBUTE = "_tokens_failure_throttles"

_fallback_cache = LocMemCache(
    "tokens-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}}
)


class _SharedCacheHealth:
    """When this process last saw the shared cache fail; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0

    def usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self) -> bool:
        """Note a failure; return True if the cache was thought usable."""
        with self._lock:
            was_usable = self.usable()
            self._down_until = time.monotonic() + SHARED_CACHE_RETRY
        return was_usable

    def reset(self) -> None:
        with self._lock:
            self._down_until = 0.0


shared_cache_health = _SharedCacheHealth()


def fallback_cache() -> BaseCache:
    """Return the per-process cache that counts while the shared one fails."""
    return _fallback_cache


class FailoverCache:
    """
    The ``get``/``set`` a throttle needs: on the shared cache, or on the
    per-process fallback while the shared one fails.
    """

    def __init__(self, shared: BaseCache, *, scope: str) -> None:
        self.shared, self.scope = shared, scope

    def get(self, key: str, default: Any = None) -> Any:
        return self._run("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._run("set", key, value, timeout)

    def _run(self, method: str, *args: Any) -> Any:
        if shared_cache_health.usable():
            try:
                return getattr(self.shared, method)(*args)
            except Exception as exc:
                # Any cache error (redis-py's ConnectionError or TimeoutError, a
                # stale pooled connection at reconnect) degrades, never a 500.
                self._degraded(exc)
        return getattr(fallback_cache(), method)(*args)

    def _degraded(self, exc: Exception) -> None:
        if shared_cache_health.failed():
            security_event(
                "throttle_degraded",
                "throttle cache unavailable; counting in this process",
                level=logging.WARNING,
                reason=type(exc).__name__,
                scope=self.scope,
            )


class ScopedThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose rate is looked up at request time."""

    scope: str

    def get_rate(self) -> str | None:
        return app_settings.throttle_rate(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        ident = self.get_subject(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_subject(self, request: Request) -> str | None:
        return self.get_ident(request)

    def get_shared_cache(self) -> BaseCache:
        """Return the cache shared by every process (DRF's: the default cache)."""
        return default_cache

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.cache = FailoverCache(self.get_shared_cache(), scope=self.scope)
        allowed = super().allow_request(request, view)
        if not allowed:
            self.throttled(request)
        return allowed

    def throttled(self, request: Request) -> None:
        """Log a refusal as a security event: the scope and client, no account."""
        security_event(
            "throttled",
            "request throttled",
            level=logging.WARNING,
            request=request,
            reason="rate_exceeded",
            scope=self.scope,
            path=request.path,
        )


# Account names ----------------------------------------------------------------


def canonical_fold(value: str) -> str:
    """NFKC and case folding: the default canonical form of an account name."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


@lru_cache(maxsize=4)
def _normalizer(path: str | None) -> Callable[[str], str]:
    return import_string(path) if path else canonical_fold


def account_canonical(value: str) -> str:
    """
    Return *value* in the form sign-in compares, for keying account buckets.

    The ``ACCOUNT_NORMALIZER`` callable first, then NFKC and case folding if it
    refuses the value, then plain case folding: whatever the input, one account
    has one bucket, and a value no normaliser accepts still gets one.
    """
    for normalize in (_normalizer(app_settings.ACCOUNT_NORMALIZER), canonical_fold):
        try:
            folded = normalize(value)
        except Exception:  # noqa: S112  (a refusal is a cue to fall back)
            continue
        if isinstance(folded, str):
            return folded
    return value.strip().casefold()


def account_key(request: Request) -> str | None:
    """A digest of the account named in the body, so no email lands in the cache."""
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(get_user_model().USERNAME_FIELD) or data.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    # surrogatepass: a lone surrogate ("\ud800" in JSON) is counted, not a 500.
    canonical = account_canonical(value).encode("utf-8", "surrogatepass")
    return hashlib.sha256(canonical).hexdigest()[:32]


class AccountScopedThrottle(ScopedThrottle):
    def get_subject(self, request: Request) -> str | None:
        return account_key(request)


class AccountClientScopedThrottle(ScopedThrottle):
    def get_subject(self, request: Request) -> str | None:
        account = account_key(request)
        return f"{account}:{self.get_ident(request)}" if account else None


# Counting failures only ---------------------------------------------------------


class FailureCountingMixin:
    """
    Refuse once the window holds the rate's number of *failures*; count nothing
    on the way in. ``failed_login_record`` counts a failure afterwards.
    """

    def throttle_success(self) -> bool:
        self.request_pending.append(self)
        return True

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.request_pending = getattr(request, FAILURES_ATTRIBUTE, None) or []
        setattr(request, FAILURES_ATTRIBUTE, self.request_pending)
        return super().allow_request(request, view)

    def failure_record(self) -> None:
        """Add one failure to this throttle's bucket for the request it allowed."""
        # Re-read: other requests may have failed since this one was allowed.
        history = self.cache.get(self.key, [])
        now = self.timer()
        history = [moment for moment in history if moment > now - self.duration]
        self.cache.set(self.key, [now, *history], self.duration)


def failed_login_record(*, request: Any) -> None:
    """Count a failed sign-in in the failure buckets that allowed *request*."""
    for throttle in getattr(request, FAILURES_ATTRIBUTE, None) or []:
        throttle.failure_record()
    setattr(request, FAILURES_ATTRIBUTE, [])


class LoginIPThrottle(ScopedThrottle):
    scope = "login_ip"


class LoginAccountThrottle(FailureCountingMixin, AccountScopedThrottle):
    scope = "login_account"


class LoginAccountClientThrottle(FailureCountingMixin, AccountClientScopedThrottle):
    scope = "login_account_ip"


class RefreshIPThrottle(ScopedThrottle):
    scope = "refresh_ip"
