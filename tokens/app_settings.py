"""
Settings of the ``tokens`` app, read lazily from ``settings.TOKENS``.

Every value is looked up when it is used, never at import time, so
``override_settings`` and pytest's ``settings`` fixture work without reloads.
docs/settings.md documents each key; the docstrings here are the reference.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings


class AppSettings:
    def _setting(self, name: str, default: Any) -> Any:
        return getattr(settings, "TOKENS", {}).get(name, default)

    # Keys and claims -----------------------------------------------------------

    @property
    def SIGNING_KEYS(self) -> list[dict[str, Any]]:
        """
        The key ring: a list of dicts with ``kid``, ``algorithm`` and either
        ``secret`` (HS256/384/512) or ``private_key``/``public_key`` (PEM, for
        RS256, ES256, EdDSA). The key named by ACTIVE_KID signs new tokens; the
        others only verify. Default: none (a system check reports it).
        """
        return self._setting("SIGNING_KEYS", [])

    @property
    def ACTIVE_KID(self) -> str | None:
        """The ``kid`` that signs new tokens. Default: the first key of the ring."""
        return self._setting("ACTIVE_KID", None)

    @property
    def ISSUER(self) -> str:
        """The ``iss`` minted and required. Default: ``"django-revocable-jwt"``."""
        return self._setting("ISSUER", "django-revocable-jwt")

    @property
    def AUDIENCE(self) -> str:
        """The ``aud`` claim minted and required. Default: ``"api"``."""
        return self._setting("AUDIENCE", "api")

    @property
    def LEEWAY(self) -> timedelta:
        """Clock skew tolerated on ``exp``/``nbf``/``iat``. Default: 10 s (max 30 s)."""
        return self._setting("LEEWAY", timedelta(seconds=10))

    @property
    def MAX_TOKEN_BYTES(self) -> int:
        """Tokens longer than this are refused before any parsing. Default: 8192."""
        return self._setting("MAX_TOKEN_BYTES", 8192)

    # Lifetimes -----------------------------------------------------------------

    @property
    def ACCESS_TOKEN_LIFETIME(self) -> timedelta:
        """Lifetime of an access token. Default: 5 minutes."""
        return self._setting("ACCESS_TOKEN_LIFETIME", timedelta(minutes=5))

    @property
    def REFRESH_TOKEN_LIFETIME(self) -> timedelta:
        """Lifetime of one refresh token (capped by the session's). Default: 1 day."""
        return self._setting("REFRESH_TOKEN_LIFETIME", timedelta(days=1))

    @property
    def SESSION_LIFETIME(self) -> timedelta:
        """Absolute lifetime of a session, whatever its use. Default: 30 days."""
        return self._setting("SESSION_LIFETIME", timedelta(days=30))

    @property
    def SESSION_IDLE_TIMEOUT(self) -> timedelta:
        """A session not refreshed for this long ends. Default: 7 days."""
        return self._setting("SESSION_IDLE_TIMEOUT", timedelta(days=7))

    @property
    def ROTATION_GRACE_PERIOD(self) -> timedelta:
        """
        How long after a rotation the consumed refresh token is answered with the
        same successor (an idempotent retry) instead of being treated as reuse.
        Default: 15 s. ``timedelta(0)`` makes every replay a reuse.
        """
        return self._setting("ROTATION_GRACE_PERIOD", timedelta(seconds=15))

    @property
    def REVOKED_RETENTION(self) -> timedelta:
        """``flushexpiredtokens`` keeps revoked sessions this long. Default: 90 days."""
        return self._setting("REVOKED_RETENTION", timedelta(days=90))

    # Revocation cache ----------------------------------------------------------

    @property
    def CACHE_ALIAS(self) -> str | None:
        """
        The Django cache (shared by every process: Redis) that answers the
        revocation check. ``None`` (the default) checks the database on every
        request. A per-process cache here is an error when DEBUG is off.
        """
        return self._setting("CACHE_ALIAS", None)

    @property
    def CACHE_TTL(self) -> int:
        """Seconds a cached "session valid" answer lives. Default: 300."""
        return self._setting("CACHE_TTL", 300)

    @property
    def CACHE_LEASE(self) -> timedelta:
        """
        How long a check of the pending-tombstone outbox vouches for the Redis
        cache (see ``tokens.state``): processes re-check the outbox this often,
        and a revocation whose cache write failed answers this long after its
        commit. Default: 250 ms. Keep it at or below the Redis socket timeout.
        """
        return self._setting("CACHE_LEASE", timedelta(milliseconds=250))

    @property
    def CACHE_LOCAL_ENTRIES(self) -> int:
        """
        Sessions each process keeps in memory, kept current by Redis's
        invalidation pushes (``CLIENT TRACKING``); least recently used go
        first. ``0`` answers every request from Redis. Default: 20,000.
        """
        return self._setting("CACHE_LOCAL_ENTRIES", 20_000)

    # Policies ------------------------------------------------------------------

    @property
    def REVOKE_ON_PASSWORD_CHANGE(self) -> str:
        """``"others"`` (default), ``"all"`` or ``"none"``."""
        return self._setting("REVOKE_ON_PASSWORD_CHANGE", "others")

    @property
    def REVOKE_ON_PASSWORD_RESET(self) -> bool:
        """Revoke every session on a password reset. Default: True."""
        return self._setting("REVOKE_ON_PASSWORD_RESET", True)

    @property
    def REVOKE_ON_DEACTIVATION(self) -> bool:
        """Revoke every session when a user is deactivated. Default: True."""
        return self._setting("REVOKE_ON_DEACTIVATION", True)

    # Transport -----------------------------------------------------------------

    @property
    def REFRESH_COOKIE(self) -> bool:
        """
        Browser mode: login and refresh set the refresh token in an HttpOnly
        cookie and leave it out of the body. Default: False.
        """
        return self._setting("REFRESH_COOKIE", False)

    @property
    def REFRESH_COOKIE_NAME(self) -> str:
        """Name of the refresh cookie. Default: ``"refresh_token"``."""
        return self._setting("REFRESH_COOKIE_NAME", "refresh_token")

    @property
    def REFRESH_COOKIE_PATH(self) -> str:
        """Path the refresh cookie is scoped to. Default: ``"/api/auth/"``."""
        return self._setting("REFRESH_COOKIE_PATH", "/api/auth/")

    @property
    def REFRESH_COOKIE_SECURE(self) -> bool:
        """Send the refresh cookie over HTTPS only. Default: True."""
        return self._setting("REFRESH_COOKIE_SECURE", True)

    @property
    def REFRESH_COOKIE_SAMESITE(self) -> str:
        """SameSite attribute of the refresh cookie. Default: ``"Strict"``."""
        return self._setting("REFRESH_COOKIE_SAMESITE", "Strict")


app_settings = AppSettings()
