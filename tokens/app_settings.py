"""
Settings of the ``tokens`` app, read lazily from ``settings.TOKENS``.

Every value is looked up on first use, never at import time, and kept until a
setting changes: ``override_settings`` and pytest's ``settings`` fixture send
``setting_changed``, which forgets every kept value, so they work without
reloads. Keeping them matters on the hot path, where an authenticated request
reads some ten of them (0.4 µs each through ``django.conf.settings``).
docs/settings.md documents each key; the docstrings here are the reference.

A site moving from SimpleJWT keeps its ``SIMPLE_JWT`` settings: where ``TOKENS``
does not set a key, its ``SIMPLE_JWT`` counterpart is used (see
``SIMPLE_JWT_FALLBACKS`` and docs/settings.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.signals import setting_changed

# TOKENS key -> the SIMPLE_JWT key read when TOKENS does not set it. The key
# ring is built from SIGNING_KEY/VERIFYING_KEY/ALGORITHM (see SIGNING_KEYS).
SIMPLE_JWT_FALLBACKS = {
    "ACCESS_TOKEN_LIFETIME": "ACCESS_TOKEN_LIFETIME",
    "REFRESH_TOKEN_LIFETIME": "REFRESH_TOKEN_LIFETIME",
    "ISSUER": "ISSUER",
    "AUDIENCE": "AUDIENCE",
    "LEEWAY": "LEEWAY",
    "USER_ID_CLAIM": "USER_ID_CLAIM",
    "TOKEN_OBTAIN_SERIALIZER": "TOKEN_OBTAIN_SERIALIZER",
    "UPDATE_LAST_LOGIN": "UPDATE_LAST_LOGIN",
}
SIMPLE_JWT_KID = "simplejwt"
SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER = (
    "rest_framework_simplejwt.serializers.TokenObtainPairSerializer"
)

# Rates of the package's throttle scopes when DEFAULT_THROTTLE_RATES names
# none: sign-in is never left unthrottled by omission (SECURITY.md).
DEFAULT_THROTTLE_RATES = {
    "login_ip": "120/min",
    "login_account_ip": "10/hour",
    "login_account": "50/hour",
    "refresh_ip": "120/min",
}

# Settings with a fixed set of values: name -> the values allowed.
CHOICES: dict[str, tuple[Any, ...]] = {
    "REVOKE_ON_PASSWORD_CHANGE": ("others", "all", "none"),
    "REVOKE_ON_PASSWORD_RESET": (True, False),
    "REVOKE_ON_DEACTIVATION": (True, False),
    "UPDATE_LAST_LOGIN": (True, False),
    "REFRESH_COOKIE": (True, False),
    "REFRESH_COOKIE_SECURE": (True, False),
    "REFRESH_COOKIE_SAMESITE": ("Strict", "Lax", "None"),
}


# A setting is typed as its default: the system checks validate the values.
_T = TypeVar("_T")


class AppSettings:
    """The ``TOKENS`` settings, each read once and kept until a setting changes."""

    def forget(self) -> None:
        """Drop every kept value: the next read looks at the settings again."""
        self.__dict__.clear()

    def _setting(self, name: str, default: _T) -> _T:
        tokens = getattr(settings, "TOKENS", {})
        if name in tokens:
            return cast(_T, tokens[name])
        fallback = SIMPLE_JWT_FALLBACKS.get(name)
        simple_jwt = getattr(settings, "SIMPLE_JWT", {})
        if fallback is not None and simple_jwt.get(fallback) is not None:
            return cast(_T, simple_jwt[fallback])
        return default

    @classmethod
    def known_keys(cls) -> list[str]:
        """Return every key ``TOKENS`` may hold."""
        return sorted(
            name
            for name, value in vars(cls).items()
            if isinstance(value, cached_property) and name.isupper()
        )

    def throttle_rate(self, scope: str) -> str | None:
        """
        Return the rate of a throttle scope: DEFAULT_THROTTLE_RATES' value if it
        names the scope (``None`` there turns the throttle off), else the
        built-in default.
        """
        from rest_framework.settings import api_settings

        rates = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates[scope] if scope in rates else DEFAULT_THROTTLE_RATES.get(scope)
        return None if rate is None else str(rate)

    # Keys and claims -----------------------------------------------------------

    @cached_property
    def SIGNING_KEYS(self) -> list[dict[str, Any]]:
        """
        The key ring: a list of dicts with ``kid``, ``algorithm`` and either
        ``secret`` (HS256/384/512) or ``private_key``/``public_key`` (PEM, for
        RS256, ES256, EdDSA). The key named by ACTIVE_KID signs new tokens; the
        others only verify. Default: a one-key ring (kid ``"simplejwt"``) from
        ``SIMPLE_JWT``'s ``SIGNING_KEY``, ``VERIFYING_KEY`` and ``ALGORITHM`` when
        ``SIGNING_KEY`` is set there, else none (a system check reports it).
        """
        tokens = getattr(settings, "TOKENS", {})
        if "SIGNING_KEYS" in tokens:
            return cast(list[dict[str, Any]], tokens["SIGNING_KEYS"])
        return simple_jwt_key_ring()

    @cached_property
    def ACTIVE_KID(self) -> str | None:
        """The ``kid`` that signs new tokens. Default: the first key of the ring."""
        return self._setting("ACTIVE_KID", None)

    @cached_property
    def ISSUER(self) -> str:
        """The ``iss`` minted and required. Default: ``"django-revocable-jwt"``."""
        return self._setting("ISSUER", "django-revocable-jwt")

    @cached_property
    def AUDIENCE(self) -> str:
        """The ``aud`` claim minted and required. Default: ``"api"``."""
        return self._setting("AUDIENCE", "api")

    @cached_property
    def LEEWAY(self) -> timedelta:
        """Clock skew tolerated on ``exp``/``nbf``/``iat``. Default: 10 s (max 30 s)."""
        value: timedelta | float = self._setting("LEEWAY", timedelta(seconds=10))
        # SimpleJWT also accepts a number of seconds.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(seconds=value)
        return cast(timedelta, value)

    @cached_property
    def USER_ID_CLAIM(self) -> str:
        """
        SimpleJWT's name for the user id claim: ``token[USER_ID_CLAIM]`` reads
        ``sub``, and no custom claim may take the name. Default: ``"user_id"``.
        """
        return self._setting("USER_ID_CLAIM", "user_id")

    @cached_property
    def TOKEN_OBTAIN_SERIALIZER(self) -> str:
        """
        Import path of the sign-in serializer, a subclass of
        ``tokens.serializers.TokenObtainPairSerializer``, whose ``get_token(user)``
        the sign-in view calls (to add custom claims, as with SimpleJWT).
        Default: that class.
        """
        value = self._setting(
            "TOKEN_OBTAIN_SERIALIZER", "tokens.serializers.TokenObtainPairSerializer"
        )
        if value == SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER:
            return "tokens.serializers.TokenObtainPairSerializer"
        return value

    @cached_property
    def UNTYPED_TOKENS_UNTIL(self) -> datetime | None:
        """
        Tokens without a ``typ`` header (minted before 0.2) are accepted until
        this moment, then refused. ``None`` refuses them at once. Default:
        2027-03-01T00:00Z, three months after typed tokens were introduced
        (docs/upgrading-from-simplejwt.md, "Typed tokens").
        """
        return self._setting("UNTYPED_TOKENS_UNTIL", datetime(2027, 3, 1, tzinfo=UTC))

    @cached_property
    def VERIFIED_TOKENS_CACHE(self) -> int:
        """
        Access tokens each process remembers having verified (by SHA-256,
        never the token itself), so that the next request with one skips the
        signature and claim checks; ``exp`` is checked every time, and so is
        the session. About 1.3 KB each. ``0`` verifies every request in full.
        Default: 1024.
        """
        return self._setting("VERIFIED_TOKENS_CACHE", 1024)

    @cached_property
    def MAX_TOKEN_BYTES(self) -> int:
        """Tokens longer than this are refused before any parsing. Default: 8192."""
        return self._setting("MAX_TOKEN_BYTES", 8192)

    # Lifetimes -----------------------------------------------------------------

    @cached_property
    def ACCESS_TOKEN_LIFETIME(self) -> timedelta:
        """Lifetime of an access token. Default: 5 minutes."""
        return self._setting("ACCESS_TOKEN_LIFETIME", timedelta(minutes=5))

    @cached_property
    def REFRESH_TOKEN_LIFETIME(self) -> timedelta:
        """Lifetime of one refresh token (capped by the session's). Default: 1 day."""
        return self._setting("REFRESH_TOKEN_LIFETIME", timedelta(days=1))

    @cached_property
    def SESSION_LIFETIME(self) -> timedelta:
        """Absolute lifetime of a session, whatever its use. Default: 30 days."""
        return self._setting("SESSION_LIFETIME", timedelta(days=30))

    @cached_property
    def SESSION_IDLE_TIMEOUT(self) -> timedelta:
        """A session not refreshed for this long ends. Default: 7 days."""
        return self._setting("SESSION_IDLE_TIMEOUT", timedelta(days=7))

    @cached_property
    def ROTATION_GRACE_PERIOD(self) -> timedelta:
        """
        How long after a rotation the consumed refresh token is answered with the
        same successor (an idempotent retry) instead of being treated as reuse.
        Default: 15 s. ``timedelta(0)`` makes every replay a reuse.
        """
        return self._setting("ROTATION_GRACE_PERIOD", timedelta(seconds=15))

    @cached_property
    def REVOKED_RETENTION(self) -> timedelta:
        """``flushexpiredtokens`` keeps revoked sessions this long. Default: 90 days."""
        return self._setting("REVOKED_RETENTION", timedelta(days=90))

    # Revocation cache ----------------------------------------------------------

    @cached_property
    def CACHE_ALIAS(self) -> str | None:
        """
        The Django cache (shared by every process: Redis) that answers the
        revocation check. ``None`` (the default) checks the database on every
        request. A per-process cache here is an error when DEBUG is off.
        """
        return self._setting("CACHE_ALIAS", None)

    @cached_property
    def CACHE_TTL(self) -> int:
        """Seconds a cached "session valid" answer lives. Default: 300."""
        return self._setting("CACHE_TTL", 300)

    @cached_property
    def CACHE_LEASE(self) -> timedelta:
        """
        How long a check of the pending-tombstone outbox vouches for the Redis
        cache (see ``tokens.state``): processes re-check the outbox this often,
        and a revocation whose cache write failed answers this long after its
        commit. Default: 250 ms. Keep it at or below the Redis socket timeout.
        """
        return self._setting("CACHE_LEASE", timedelta(milliseconds=250))

    @cached_property
    def CACHE_LOCAL_ENTRIES(self) -> int:
        """
        Sessions each process keeps in memory, kept current by Redis's
        invalidation pushes (``CLIENT TRACKING``); least recently used go
        first. ``0`` answers every request from Redis. Default: 20,000.
        """
        return self._setting("CACHE_LOCAL_ENTRIES", 20_000)

    # Policies ------------------------------------------------------------------

    @cached_property
    def REVOKE_ON_PASSWORD_CHANGE(self) -> str:
        """``"others"`` (default), ``"all"`` or ``"none"``."""
        return self._setting("REVOKE_ON_PASSWORD_CHANGE", "others")

    @cached_property
    def REVOKE_ON_PASSWORD_RESET(self) -> bool:
        """Revoke every session on a password reset. Default: True."""
        return self._setting("REVOKE_ON_PASSWORD_RESET", True)

    @cached_property
    def REVOKE_ON_DEACTIVATION(self) -> bool:
        """Revoke every session when a user is deactivated. Default: True."""
        return self._setting("REVOKE_ON_DEACTIVATION", True)

    @cached_property
    def UPDATE_LAST_LOGIN(self) -> bool:
        """
        Set the user's ``last_login`` on each sign-in through the sign-in view,
        as SimpleJWT's option does (one more ``UPDATE``). Default: False.
        """
        return self._setting("UPDATE_LAST_LOGIN", False)

    # Throttles ----------------------------------------------------------------

    @cached_property
    def ACCOUNT_NORMALIZER(self) -> str | None:
        """
        Dotted path of a callable returning the canonical form of an account
        name, the form sign-in compares: per-account throttle buckets are keyed
        on it. ``None`` (the default) uses NFKC and case folding. If the callable
        raises, that default is used for the value.
        """
        return self._setting("ACCOUNT_NORMALIZER", None)

    # Transport -----------------------------------------------------------------

    @cached_property
    def REFRESH_COOKIE(self) -> bool:
        """
        Browser mode: login and refresh set the refresh token in an HttpOnly
        cookie and leave it out of the body. Default: False.
        """
        return self._setting("REFRESH_COOKIE", False)

    @cached_property
    def REFRESH_COOKIE_NAME(self) -> str:
        """Name of the refresh cookie. Default: ``"refresh_token"``."""
        return self._setting("REFRESH_COOKIE_NAME", "refresh_token")

    @cached_property
    def REFRESH_COOKIE_PATH(self) -> str:
        """Path the refresh cookie is scoped to. Default: ``"/api/auth/"``."""
        return self._setting("REFRESH_COOKIE_PATH", "/api/auth/")

    @cached_property
    def REFRESH_COOKIE_SECURE(self) -> bool:
        """Send the refresh cookie over HTTPS only. Default: True."""
        return self._setting("REFRESH_COOKIE_SECURE", True)

    @cached_property
    def REFRESH_COOKIE_SAMESITE(self) -> str:
        """SameSite attribute of the refresh cookie. Default: ``"Strict"``."""
        return self._setting("REFRESH_COOKIE_SAMESITE", "Strict")


def simple_jwt_key_ring() -> list[dict[str, Any]]:
    """Return SIMPLE_JWT's key as a one-key ring, or [] if it sets none."""
    simple_jwt = getattr(settings, "SIMPLE_JWT", {})
    signing = simple_jwt.get("SIGNING_KEY")
    if not signing:
        # SimpleJWT would sign with SECRET_KEY; a dedicated key is required here.
        return []
    algorithm = simple_jwt.get("ALGORITHM", "HS256")
    entry: dict[str, Any] = {"kid": SIMPLE_JWT_KID, "algorithm": algorithm}
    if algorithm.startswith("HS"):
        entry["secret"] = signing
    else:
        entry["private_key"] = signing
        if simple_jwt.get("VERIFYING_KEY"):
            entry["public_key"] = simple_jwt["VERIFYING_KEY"]
    return [entry]


app_settings = AppSettings()


def _forget_settings(**kwargs: Any) -> None:
    # Any setting: the values also read SIMPLE_JWT and REST_FRAMEWORK.
    app_settings.forget()


setting_changed.connect(_forget_settings, dispatch_uid="tokens_app_settings_forget")
