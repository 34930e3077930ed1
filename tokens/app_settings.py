"""
Settings of the ``tokens`` app, read lazily from ``settings.TOKENS``.

One table: each key is a ``Setting`` attribute of ``AppSettings``, with its
default, what a value must be (a type, bounds, allowed values, or an import
path and what it must import) and what it means; the kinds of value and their
validation are in ``tokens.setting_kinds``. The settings object reads through
the table, ``tokens.checks`` validates every key with it at start-up, and
tests/tokens/test_settings_table.py holds docs/settings.md to it.

Every value is looked up on first use, never at import time, and kept until a
setting changes: ``override_settings`` and pytest's ``settings`` fixture send
``setting_changed``, which forgets every kept value, so they work without
reloads. Keeping them matters on the hot path, where an authenticated request
reads some ten of them (0.4 µs each through ``django.conf.settings``).

A site moving from SimpleJWT keeps its ``SIMPLE_JWT`` settings: where ``TOKENS``
does not set a key, its ``SIMPLE_JWT`` counterpart (``simple_jwt=``) is used.

Durations are ``timedelta`` objects, as SimpleJWT requires for its lifetimes;
a number is refused (``CACHE_LEASE = 250`` would be read as seconds by some
and milliseconds by others). ``LEEWAY`` alone also takes seconds, as
SimpleJWT's does. ``CACHE_TTL`` is a number of seconds, as Django's cache
timeouts are.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.signals import setting_changed

from tokens.setting_kinds import (
    ACCESS_ADVICE,
    OUR_OBTAIN_SERIALIZER,
    REFRESH_ADVICE,
    SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER,
    SIMPLE_JWT_KID,
    Choice,
    Count,
    Duration,
    ImportPath,
    KeyRing,
    Moment,
    ObtainSerializer,
    Origin,
    Setting,
    literal,
    simple_jwt_key_ring,
)

# Everything the table is made of is imported from here, kinds included: this
# module is the settings' one import path.
__all__ = [
    "ACCESS_ADVICE",
    "DEFAULT_THROTTLE_RATES",
    "OUR_OBTAIN_SERIALIZER",
    "REFRESH_ADVICE",
    "SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER",
    "SIMPLE_JWT_KID",
    "AppSettings",
    "Choice",
    "Count",
    "Duration",
    "ImportPath",
    "KeyRing",
    "Moment",
    "ObtainSerializer",
    "Origin",
    "Setting",
    "app_settings",
    "literal",
    "simple_jwt_key_ring",
]

# Rates of the package's throttle scopes when DEFAULT_THROTTLE_RATES names
# none: sign-in is never left unthrottled by omission (SECURITY.md).
DEFAULT_THROTTLE_RATES = {
    "login_ip": "120/min",
    "login_account_ip": "10/hour",
    "login_account": "50/hour",
    "refresh_ip": "120/min",
    "client_auth_ip": "30/min",
}

# Bounds of the shorter entries below.
SECOND, HOUR, MS_100 = (
    timedelta(seconds=1),
    timedelta(hours=1),
    timedelta(milliseconds=100),
)


class AppSettings:
    """The ``TOKENS`` settings, each read once and kept until a setting changes."""

    # Keys and claims -----------------------------------------------------------

    SIGNING_KEYS = KeyRing(
        [],
        """
        The key ring: a list of dicts with ``kid``, ``algorithm`` and either
        ``secret`` (HS256/384/512) or ``private_key``/``public_key`` (PEM, for
        RS256, ES256, EdDSA). The key named by ACTIVE_KID signs new tokens; the
        others only verify. Default: a one-key ring (kid ``"simplejwt"``) from
        ``SIMPLE_JWT``'s ``SIGNING_KEY``, ``VERIFYING_KEY`` and ``ALGORITHM`` when
        ``SIGNING_KEY`` is set there, else none (a system check reports it).
        """,
    )
    ACTIVE_KID = Setting[str | None](
        None,
        "The ``kid`` that signs new tokens. Default: the first key of the ring.",
        types=(str,),
        nullable=True,
    )
    ISSUER = Setting(
        "django-revocable-jwt",
        "The ``iss`` minted and required.",
        simple_jwt="ISSUER",
    )
    AUDIENCE = Setting(
        "api", "The ``aud`` claim minted and required.", simple_jwt="AUDIENCE"
    )
    LEEWAY = Duration(
        timedelta(seconds=10),
        "Clock skew tolerated on ``exp``/``nbf``/``iat`` (a number: seconds).",
        low=timedelta(0),
        high=timedelta(seconds=30),
        seconds=True,
        simple_jwt="LEEWAY",
    )
    USER_ID_CLAIM = Setting(
        "user_id",
        """
        SimpleJWT's name for the user id claim: ``token[USER_ID_CLAIM]`` reads
        ``sub``, and no custom claim may take the name.
        """,
        simple_jwt="USER_ID_CLAIM",
    )
    TOKEN_OBTAIN_SERIALIZER = ObtainSerializer(
        OUR_OBTAIN_SERIALIZER,
        """
        Import path of the sign-in serializer, whose ``get_token(user)`` the
        sign-in view calls (to add custom claims, as with SimpleJWT).
        SimpleJWT's default means ours.
        """,
        bases=(
            OUR_OBTAIN_SERIALIZER,
            "rest_framework_simplejwt.serializers.TokenObtainSerializer",
        ),
        simple_jwt="TOKEN_OBTAIN_SERIALIZER",
    )
    UNTYPED_TOKENS_UNTIL = Moment(
        datetime(2027, 3, 1, tzinfo=UTC),
        """
        Tokens without a ``typ`` header (minted before 0.2) are accepted until
        this moment, then refused. ``None`` refuses them at once. Default:
        three months after typed tokens were introduced
        (docs/upgrading-from-simplejwt.md, "Typed tokens").
        """,
        types=(datetime,),
        nullable=True,
    )
    VERIFIED_TOKENS_CACHE = Count(
        1024,
        """
        Access tokens each process remembers having verified (by SHA-256,
        never the token itself), so that the next request with one skips the
        signature and claim checks; ``exp`` is checked every time, and so is
        the session. About 1.3 KB each. ``0`` verifies every request in full.
        """,
    )
    MAX_TOKEN_BYTES = Count(8192, "Tokens longer than this are refused unparsed.")

    # Lifetimes -----------------------------------------------------------------

    ACCESS_TOKEN_LIFETIME = Duration(
        timedelta(minutes=5),
        "Lifetime of an access token.",
        low=timedelta(seconds=30),
        advised=timedelta(hours=1),
        advice=ACCESS_ADVICE,
        simple_jwt="ACCESS_TOKEN_LIFETIME",
    )
    REFRESH_TOKEN_LIFETIME = Duration(
        timedelta(days=1),
        "Lifetime of one refresh token (capped by the session's).",
        low=timedelta(minutes=5),
        advised=timedelta(days=90),
        advice=REFRESH_ADVICE,
        simple_jwt="REFRESH_TOKEN_LIFETIME",
    )
    SESSION_LIFETIME = Duration(
        timedelta(days=30),
        "Absolute lifetime of a session, whatever its use.",
        low=timedelta(minutes=5),
        high=timedelta(days=365),
    )
    SESSION_IDLE_TIMEOUT = Duration(
        timedelta(days=7),
        "A session not refreshed for this long ends.",
        low=timedelta(minutes=5),
        high=timedelta(days=365),
    )
    ROTATION_GRACE_PERIOD = Duration(
        timedelta(seconds=15),
        """
        How long after a rotation the consumed refresh token is answered with the
        same successor (an idempotent retry) instead of being treated as reuse.
        ``timedelta(0)`` makes every replay a reuse.
        """,
        low=timedelta(0),
        high=timedelta(minutes=2),
    )
    REVOKED_RETENTION = Duration(
        timedelta(days=90),
        "``flushexpiredtokens`` keeps revoked sessions this long.",
        low=timedelta(0),
    )

    # Revocation cache ----------------------------------------------------------

    CACHE_ALIAS = Setting[str | None](
        None,
        """
        The Django cache (shared by every process: Redis) that answers the
        revocation check. ``None`` checks the database on every request. A
        per-process cache here is an error when DEBUG is off.
        """,
        types=(str,),
        nullable=True,
    )
    CACHE_TTL = Count(300, 'Seconds a cached "session valid" answer lives.')
    CACHE_LEASE = Duration(
        timedelta(milliseconds=250),
        """
        How long a check of the pending-tombstone outbox vouches for the Redis
        cache (see ``tokens.revocation``): processes re-check the outbox this often,
        and a revocation whose cache write failed answers this long after its
        commit. Keep it at or below the Redis socket timeout.
        """,
        low=timedelta(milliseconds=1),
        high=timedelta(seconds=10),
    )
    CACHE_LOCAL_ENTRIES = Count(
        20_000,
        """
        Sessions each process keeps in memory, kept current by Redis's
        invalidation pushes (``CLIENT TRACKING``); least recently used go
        first. ``0`` answers every request from Redis.
        """,
    )

    # Policies ------------------------------------------------------------------

    REVOKE_ON_PASSWORD_CHANGE = Choice(
        "others",
        "What a password change revokes.",
        choices=("others", "all", "none"),
    )
    REVOKE_ON_PASSWORD_RESET = Choice(
        True, "Revoke every session on a password reset.", choices=(True, False)
    )
    REVOKE_ON_DEACTIVATION = Choice(
        True,
        "Revoke every session when a user is deactivated.",
        choices=(True, False),
    )
    UPDATE_LAST_LOGIN = Choice(
        False,
        "Set the user's ``last_login`` on every sign-in, as SimpleJWT's view does.",
        choices=(True, False),
        simple_jwt="UPDATE_LAST_LOGIN",
    )

    # Throttles ----------------------------------------------------------------

    ACCOUNT_NORMALIZER = ImportPath[str | None](
        None,
        """
        Dotted path of a callable returning the canonical form of an account
        name, the form sign-in compares: per-account throttle buckets are keyed
        on it. ``None`` uses NFKC and case folding. If the callable raises,
        that default is used for the value.
        """,
        nullable=True,
    )

    # Transport -----------------------------------------------------------------

    REFRESH_COOKIE = Choice(
        False,
        """
        Browser mode: login and refresh set the refresh token in an HttpOnly
        cookie and leave it out of the body.
        """,
        choices=(True, False),
    )
    REFRESH_COOKIE_NAME = Setting("refresh_token", "Name of the refresh cookie.")
    REFRESH_COOKIE_PATH = Setting("/api/auth/", "Path the refresh cookie is scoped to.")
    REFRESH_COOKIE_SECURE = Choice(
        True, "Send the refresh cookie over HTTPS only.", choices=(True, False)
    )
    REFRESH_COOKIE_SAMESITE = Choice(
        "Strict",
        "SameSite attribute of the refresh cookie.",
        choices=("Strict", "Lax", "None"),
    )

    # Security events to other services (tokens.ssf); docs/settings.md -----------
    SECURITY_EVENTS = Choice(
        False, "Transmit revocations to SSF receivers.", choices=(True, False)
    )
    SSF_PUSH_TIMEOUT = Duration(
        timedelta(seconds=5), "A push's time limit.", low=MS_100, high=SECOND * 60
    )
    SSF_PUSH_MAX_BACKOFF = Duration(
        timedelta(seconds=10), "The longest wait between pushes.", low=SECOND, high=HOUR
    )
    SSF_POLL_WAIT = Duration(
        timedelta(0), "How long a poll may wait.", low=timedelta(0), high=SECOND * 30
    )

    # OAuth endpoints for resource servers ---------------------------------------

    INTROSPECTION_ENABLED = Choice(
        False,
        """
        Serve token introspection (RFC 7662) and revocation (RFC 7009) to
        registered resource servers (``tokens.models.ResourceServer``), and
        the authorization server metadata naming them (RFC 8414). Off: the
        endpoints are 404s and are left out of the OpenAPI schema.
        """,
        choices=(True, False),
    )
    PUBLIC_URL = Origin(
        None,
        """
        The site's origin as clients reach it (``"https://auth.example.com"``),
        for the absolute URLs the metadata gives. ``None``: the request's
        own scheme and host (behind a proxy, ``SECURE_PROXY_SSL_HEADER`` and
        ``ALLOWED_HOSTS`` decide them).
        """,
        types=(str,),
        nullable=True,
    )

    # ---------------------------------------------------------------------------

    @classmethod
    def table(cls) -> list[Setting[Any]]:
        """Return every setting, in the order of this class."""
        return [value for value in vars(cls).values() if isinstance(value, Setting)]

    @classmethod
    def known_keys(cls) -> list[str]:
        """Return every key ``TOKENS`` may hold."""
        return sorted(setting.name for setting in cls.table())

    @classmethod
    def closest_key(cls, name: str) -> str | None:
        """Return the known key *name* most likely misspells, if any."""
        close = difflib.get_close_matches(name, cls.known_keys(), n=1)
        return close[0] if close else None

    def forget(self) -> None:
        """Drop every kept value: the next read looks at the settings again."""
        self.__dict__.clear()

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


app_settings = AppSettings()


def _forget_settings(**kwargs: Any) -> None:
    # Any setting: the values also read SIMPLE_JWT and REST_FRAMEWORK.
    app_settings.forget()


setting_changed.connect(_forget_settings, dispatch_uid="tokens_app_settings_forget")
