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

Every bucket is read, decided and counted under its own lock in the cache, so
a parallel burst gets no more requests past a limit than a sequence would. A
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache as default_cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_finished
from django.utils.module_loading import import_string
from rest_framework.throttling import SimpleRateThrottle

from tokens.app_settings import app_settings
from tokens.security import security_event

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

SHARED_CACHE_RETRY = 5.0  # seconds between attempts at a failing cache
# A bucket's lock: the cache's smallest timeout (whole seconds in Redis), how
# long a request waits for it, and how often it tries.
BUCKET_LOCK_TIMEOUT = 1
BUCKET_LOCK_WAIT = 1.5
BUCKET_LOCK_POLL = 0.002
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

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        return bool(self._run("add", key, value, timeout))

    def delete(self, key: str) -> None:
        self._run("delete", key)

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
    # Set from the rate by SimpleRateThrottle.__init__ (its stub leaves it out);
    # read only while a rate is set.
    duration: int

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
        """
        SimpleRateThrottle's check, made atomic: reading the bucket, deciding
        and counting the request happen under the bucket's lock, so that of
        any number of concurrent requests at most the rate's number pass
        (SimpleRateThrottle's get-then-set let a parallel burst through).
        """
        # FailoverCache is no BaseCache: it has the get/set/add/delete used here.
        self.cache = FailoverCache(self.get_shared_cache(), scope=self.scope)  # type: ignore[assignment]
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        with self.bucket_locked():
            self.now = self.timer()
            self.history = self.bucket_read()
            if len(self.history) >= self.num_requests:
                allowed = self.throttle_failure()
            else:
                allowed = self.throttle_success()
        if not allowed:
            self.throttled(request)
        return allowed

    def bucket_read(self) -> list[float]:
        """Return the moments counted in the window, newest first."""
        history = self.cache.get(self.key, [])
        return [moment for moment in history if moment > self.now - self.duration]

    @contextmanager
    def bucket_locked(self) -> Iterator[None]:
        """
        Hold this bucket's lock (``cache.add``, atomic in Redis and LocMemCache)
        for a read and a write. A lock left by a process that died expires after
        BUCKET_LOCK_TIMEOUT; a waiter gives up after BUCKET_LOCK_WAIT and goes on
        unlocked rather than never answering.
        """
        lock, owner = f"{self.key}:lock", secrets.token_hex(8)
        deadline = time.monotonic() + BUCKET_LOCK_WAIT
        held = self.cache.add(lock, owner, BUCKET_LOCK_TIMEOUT)
        while not held and time.monotonic() < deadline:
            time.sleep(BUCKET_LOCK_POLL)
            held = self.cache.add(lock, owner, BUCKET_LOCK_TIMEOUT)
        try:
            yield
        finally:
            if held and self.cache.get(lock) == owner:
                self.cache.delete(lock)

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
        super().throttle_success()
        self.request_pending.append(self)
        return True

    def refund(self) -> None:
        """Take back the count of the request this throttle allowed."""
        with self.bucket_locked():
            history = self.cache.get(self.key, [])
            if self.now in history:
                history.remove(self.now)
                self.cache.set(self.key, history, self.duration)


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
