"""
Throttles for the sign-in endpoints and for resource servers authenticating,
on Django's cache (Redis when shared).

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

``client_auth_ip`` counts the failed client authentications of one address
at the endpoints resource servers call (``tokens.resource_servers``), as
``login_account_ip`` counts failed sign-ins.

The per-account buckets count failures, in the manner of Auth0's
brute-force protection and django-axes: a successful sign-in consumes nothing,
so signing in often never gets a user a 429. The view reports a failure with
``failed_login_record``.

A bucket is decided and counted in one atomic step (``bucket_take`` in
``tokens.throttle_store``: a Lua script over a sorted set on Redis), so a
parallel burst gets no more requests past a limit than a sequence would. A
sign-in attempt counts as a failure from the moment it is let in, while its
password is checked, and gets its count back when the request ends without a
failure (``request_finished``).

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
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import request_finished
from django.utils.module_loading import import_string
from rest_framework.throttling import SimpleRateThrottle

from tokens.app_settings import app_settings
from tokens.security import security_event

# The buckets are imported from here too: tokens.throttles is the throttles'
# one import path.
from tokens.throttle_store import FALLBACK_MAX_ENTRIES as FALLBACK_MAX_ENTRIES
from tokens.throttle_store import TAKE_SCRIPT as TAKE_SCRIPT
from tokens.throttle_store import Take as Take
from tokens.throttle_store import bucket_give_back as bucket_give_back
from tokens.throttle_store import bucket_take as bucket_take
from tokens.throttle_store import fallback_cache as fallback_cache

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

# Seconds between attempts at a failing cache; read at each failure, so that
# a change to tokens.throttles.SHARED_CACHE_RETRY takes effect at once.
SHARED_CACHE_RETRY = 5.0
FAILURES_ATTRIBUTE = "_tokens_failure_throttles"


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


class FailoverCache:
    """
    The bucket operations a throttle needs: on the shared cache, or on the
    per-process fallback while the shared one fails.
    """

    def __init__(self, shared: BaseCache, *, scope: str) -> None:
        self.shared, self.scope = shared, scope

    def take(self, key: str, take: Take) -> float | None:
        oldest: float | None = self._run(lambda cache: bucket_take(cache, key, take))
        return oldest

    def give_back(self, key: str, member: str, duration: int) -> None:
        self._run(lambda cache: bucket_give_back(cache, key, member, duration))

    def _run(self, operation: Callable[[BaseCache], Any]) -> Any:
        if shared_cache_health.usable():
            try:
                return operation(self.shared)
            except Exception as exc:
                # Any cache error (redis-py's ConnectionError or TimeoutError, a
                # stale pooled connection at reconnect) degrades, never a 500.
                self._degraded(exc)
        return operation(fallback_cache())

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
    # Set from the rate by SimpleRateThrottle.__init__ (its stub leaves it out);
    # read only while a rate is set.
    duration: int
    num_requests: int
    # The oldest moment of a full window, for Retry-After.
    oldest: float | None = None

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
        # The backend itself, not django.core.cache.cache's proxy to it: the
        # bucket operations pick Redis's atomic script by the backend's class.
        return caches[DEFAULT_CACHE_ALIAS]

    def allow_request(self, request: Request, view: APIView) -> bool:
        """
        SimpleRateThrottle's sliding window, counted atomically: dropping the
        moments that left the window, deciding and counting this request are
        one step (``bucket_take``), so that of any number of concurrent
        requests at most the rate's number pass. SimpleRateThrottle's
        get-then-set let a parallel burst through.
        """
        # FailoverCache is no BaseCache: it has the bucket operations used here.
        self.cache = FailoverCache(self.get_shared_cache(), scope=self.scope)  # type: ignore[assignment]
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.member = f"{self.now!r}:{secrets.token_hex(6)}"
        take = Take(self.now, self.duration, self.num_requests, self.member)
        self.oldest = self.cache.take(self.key, take)  # type: ignore[attr-defined]
        if self.oldest is None:
            return self.throttle_success()
        self.throttled(request)
        return self.throttle_failure()

    def throttle_success(self) -> bool:
        # Counted already, by the bucket's one atomic step.
        return True

    def wait(self) -> float | None:
        """Seconds until the oldest request counted leaves the window."""
        if self.oldest is None:
            return None
        return max(0.0, self.oldest + self.duration - self.now)

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


# The mixin is typed as the throttle it is mixed into; at run time its base is
# object, so the throttle's own class keeps the MRO it has.
if TYPE_CHECKING:
    _FailureCountingBase = ScopedThrottle
else:
    _FailureCountingBase = object


class FailureCountingMixin(_FailureCountingBase):
    """
    Refuse once the window holds the rate's number of *failures*.

    An attempt is counted on the way in, atomically, as if it were going to
    fail: of a parallel burst no more pass than the bucket has room for, even
    while every one of them is still checking its password. A failure keeps
    its count (``failed_login_record``); any other end of the request (a
    successful sign-in, an error, another throttle's 429) gives it back when
    the request finishes, so a success consumes nothing.
    """

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.request_pending = getattr(request, FAILURES_ATTRIBUTE, None) or []
        setattr(request, FAILURES_ATTRIBUTE, self.request_pending)
        _pending_refunds.set(self.request_pending)
        return super().allow_request(request, view)

    def throttle_success(self) -> bool:
        self.request_pending.append(self)
        return True

    def refund(self) -> None:
        """Take back the count of the request this throttle allowed."""
        self.cache.give_back(self.key, self.member, self.duration)  # type: ignore[attr-defined]


# The failure-counting throttles that allowed the request being served and
# whose count is to be given back at its end, unless it failed.
_pending_refunds: ContextVar[list[FailureCountingMixin] | None] = ContextVar(
    "tokens_throttle_refunds", default=None
)


def failed_login_record(*, request: Any) -> None:
    """Keep the counts that allowed *request*: it was a failed sign-in."""
    pending = getattr(request, FAILURES_ATTRIBUTE, None)
    if pending:
        pending.clear()


def pending_refunds_apply(**kwargs: Any) -> None:
    """At the end of a request, give back the counts of attempts that did not fail."""
    pending = _pending_refunds.get()
    if not pending:
        return
    _pending_refunds.set(None)
    for throttle in pending:
        try:
            throttle.refund()
        except Exception:
            logger.exception("could not give back a sign-in throttle's count")
    pending.clear()


request_finished.connect(pending_refunds_apply, dispatch_uid="tokens_throttle_refunds")


class LoginIPThrottle(ScopedThrottle):
    scope = "login_ip"


class LoginAccountThrottle(FailureCountingMixin, AccountScopedThrottle):
    scope = "login_account"


class LoginAccountClientThrottle(FailureCountingMixin, AccountClientScopedThrottle):
    scope = "login_account_ip"


class RefreshIPThrottle(ScopedThrottle):
    scope = "refresh_ip"


class ClientAuthIPThrottle(FailureCountingMixin, ScopedThrottle):
    """Failed resource-server authentications from one client address."""

    scope = "client_auth_ip"
