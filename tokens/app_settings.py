"""
Settings of the ``tokens`` app, read lazily from ``settings.TOKENS``.

One table: each key is a ``Setting`` attribute of ``AppSettings``, with its
default, what a value must be (a type, bounds, allowed values, or an import
path and what it must import) and what it means. The settings object reads
through it, ``tokens.checks`` validates every key with it at start-up, and
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
from typing import Any, Generic, TypeVar, overload

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

SIMPLE_JWT_KID = "simplejwt"
SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER = (
    "rest_framework_simplejwt.serializers.TokenObtainPairSerializer"
)
OUR_OBTAIN_SERIALIZER = "tokens.serializers.TokenObtainPairSerializer"

# Rates of the package's throttle scopes when DEFAULT_THROTTLE_RATES names
# none: sign-in is never left unthrottled by omission (SECURITY.md).
DEFAULT_THROTTLE_RATES = {
    "login_ip": "120/min",
    "login_account_ip": "10/hour",
    "login_account": "50/hour",
    "refresh_ip": "120/min",
}

_T = TypeVar("_T")


def literal(value: Any) -> str:
    """Return *value* as written in a settings file (docs/settings.md's form)."""
    if isinstance(value, timedelta):
        return _timedelta_literal(value)
    if isinstance(value, datetime) and value.tzinfo is UTC:
        fields = [value.year, value.month, value.day]
        if value.hour or value.minute:
            fields += [value.hour, value.minute]
        return f"datetime({', '.join(map(str, fields))}, tzinfo=UTC)"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _timedelta_literal(value: timedelta) -> str:
    micro = value // timedelta(microseconds=1)
    for unit, size in (
        ("days", 86_400_000_000),
        ("hours", 3_600_000_000),
        ("minutes", 60_000_000),
        ("seconds", 1_000_000),
        ("milliseconds", 1000),
    ):
        if micro and micro % size == 0:
            return f"timedelta({unit}={micro // size})"
    return "timedelta(0)" if not micro else f"timedelta(microseconds={micro})"


def _tokens() -> dict[str, Any]:
    tokens = getattr(settings, "TOKENS", {})
    # Anything but a dict is tokens.E044; the defaults apply meanwhile.
    return tokens if isinstance(tokens, dict) else {}


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


class Setting(Generic[_T]):
    """
    One key of ``TOKENS``: its default, what a value must be, and its meaning.

    Read as an attribute of ``AppSettings``: looked up on first use, then kept
    in the instance until a setting changes. ``problem()`` says what is wrong
    with a value; the system checks report it under the key's name.
    """

    def __init__(
        self,
        default: _T,
        doc: str,
        *,
        types: tuple[type, ...] = (),
        nullable: bool = False,
        simple_jwt: str | None = None,
    ) -> None:
        self.default = default
        self.doc = self.__doc__ = doc
        self.types = types or (type(default),)
        self.nullable = nullable
        self.simple_jwt = simple_jwt
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[_T]: ...

    @overload
    def __get__(self, instance: AppSettings, owner: type) -> _T: ...

    def __get__(self, instance: AppSettings | None, owner: type) -> Any:
        if instance is None:
            return self
        # Kept in the instance, which attribute lookup reads before a
        # non-data descriptor: later reads cost what a plain attribute does.
        value = instance.__dict__[self.name] = self.convert(self.lookup()[1])
        return value

    def lookup(self) -> tuple[str, Any]:
        """Return where the value comes from (the dict's name) and the value set."""
        tokens = _tokens()
        if self.name in tokens:
            return "TOKENS", tokens[self.name]
        simple_jwt = getattr(settings, "SIMPLE_JWT", {})
        if self.simple_jwt and simple_jwt.get(self.simple_jwt) is not None:
            return "SIMPLE_JWT", simple_jwt[self.simple_jwt]
        return "default", self.default

    def convert(self, value: Any) -> Any:
        """Return the value the app uses for *value* as set."""
        return value

    def problem(self, value: Any) -> str | None:
        """Return what is wrong with *value* as set ("must be ..."), or None."""
        if value is None and self.nullable:
            return None
        if not self.is_typed(value):
            return f"must be {self.expected()}, got {_kind(value)}"
        return None

    def advice(self, value: Any) -> tuple[str, str] | None:
        """Return a warning about a valid but unwise *value* and its hint, or None."""
        return None

    def is_typed(self, value: Any) -> bool:
        # True is an int to Python, never a count or a number of seconds here.
        if isinstance(value, bool) and bool not in self.types:
            return False
        return isinstance(value, self.types)

    def expected(self) -> str:
        names = " or ".join(_article(t.__name__) for t in self.types)
        return f"{names} or None" if self.nullable else names

    def default_text(self) -> str:
        """The default as docs/settings.md writes it."""
        return literal(self.default)


def _article(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


class Duration(Setting[timedelta]):
    """
    A ``timedelta`` from *low* to *high* (inclusive). Above *advised*, a
    warning with *advice*: for the lifetimes a SimpleJWT site may bring along,
    valid there, so the site must start. *seconds*: a number of seconds is
    taken too (SimpleJWT's ``LEEWAY``).
    """

    def __init__(
        self,
        default: timedelta,
        doc: str,
        *,
        low: timedelta,
        high: timedelta | None = None,
        advised: timedelta | None = None,
        advice: str = "",
        seconds: bool = False,
        simple_jwt: str | None = None,
    ) -> None:
        types: tuple[type, ...] = (timedelta, int, float) if seconds else (timedelta,)
        super().__init__(default, doc, types=types, simple_jwt=simple_jwt)
        self.low, self.high, self.seconds = low, high, seconds
        self.advised, self.advice_text = advised, advice

    def convert(self, value: Any) -> Any:
        if self.seconds and self.is_typed(value) and not isinstance(value, timedelta):
            return timedelta(seconds=value)
        return value

    def expected(self) -> str:
        return "a timedelta or a number of seconds" if self.seconds else "a timedelta"

    def problem(self, value: Any) -> str | None:
        if not self.is_typed(value):
            return f"must be {self.expected()}, got {_kind(value)}"
        try:
            value = self.convert(value)
        except (ValueError, OverflowError):  # nan, inf, 1e20 seconds
            return f"must be {self.expected()}, got {_kind(value)}"
        if value < self.low or (self.high is not None and value > self.high):
            upto = f"between {self.low} and {self.high}" if self.high else ""
            return (
                f"must be a timedelta {upto or f'of {self.low} or more'}, got {value}"
            )
        return None

    def advice(self, value: Any) -> tuple[str, str] | None:
        value = self.convert(value)
        if self.advised is not None and value > self.advised:
            return (
                f"is {value}, longer than the advised {self.advised}",
                self.advice_text,
            )
        return None


class Count(Setting[int]):
    """A whole number, 0 or more."""

    def problem(self, value: Any) -> str | None:
        if not self.is_typed(value) or value < 0:
            return f"must be a whole number, 0 or more, got {_kind(value)}"
        return None


class Choice(Setting[_T]):
    """One of a fixed set of values, of the same type (``1`` is not ``True``)."""

    def __init__(
        self,
        default: _T,
        doc: str,
        *,
        choices: tuple[_T, ...],
        simple_jwt: str | None = None,
    ) -> None:
        super().__init__(default, doc, simple_jwt=simple_jwt)
        self.choices = choices

    def problem(self, value: Any) -> str | None:
        if any(type(value) is type(a) and value == a for a in self.choices):
            return None
        allowed = ", ".join(repr(a) for a in self.choices)
        return f"must be one of {allowed}, got {_kind(value)}"


class ImportPath(Setting[_T]):
    """
    The dotted path of a callable, or with *bases*, of a subclass of one of
    them (dotted paths too). Checked by importing it.
    """

    def __init__(
        self,
        default: _T,
        doc: str,
        *,
        bases: tuple[str, ...] = (),
        nullable: bool = False,
        simple_jwt: str | None = None,
    ) -> None:
        super().__init__(
            default, doc, types=(str,), nullable=nullable, simple_jwt=simple_jwt
        )
        self.bases = bases

    def expected(self) -> str:
        if self.bases:
            return f"the import path of a subclass of {' or '.join(self.bases)}"
        return "the import path of a callable"

    def problem(self, value: Any) -> str | None:
        if value is None and self.nullable:
            return None
        if not isinstance(value, str):
            return f"must be {self.expected()}, got {_kind(value)}"
        try:
            found = import_string(self.convert(value))
        except Exception as exc:  # noqa: BLE001  (any failure to import is the report)
            return f"must be {self.expected()}, but {value!r} does not import: {exc}"
        if self.bases:
            bases = tuple(import_string(base) for base in self.bases)
            if not (isinstance(found, type) and issubclass(found, bases)):
                return f"must be {self.expected()}, got {value!r}"
        elif not callable(found):
            return f"must be {self.expected()}, got {value!r}"
        return None


class ObtainSerializer(ImportPath[str]):
    """SimpleJWT's default serializer means ours (it mints SimpleJWT's tokens)."""

    def convert(self, value: Any) -> Any:
        return (
            OUR_OBTAIN_SERIALIZER
            if value == SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER
            else value
        )


class Moment(Setting[datetime | None]):
    """A timezone-aware ``datetime``, or None."""

    def problem(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return f"must be a timezone-aware datetime or None, got {_kind(value)}"
        return None


class KeyRing(Setting[list[dict[str, Any]]]):
    """
    A list of key dicts (their contents are checked by ``tokens.E002``).
    Unset, the ring is SIMPLE_JWT's key, when it has one.
    """

    def lookup(self) -> tuple[str, Any]:
        tokens = _tokens()
        if self.name in tokens:
            return "TOKENS", tokens[self.name]
        return "SIMPLE_JWT", simple_jwt_key_ring()

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, list | tuple) or not all(
            isinstance(entry, dict) for entry in value
        ):
            return f"must be a list of dicts, got {_kind(value)}"
        return None


ACCESS_ADVICE = (
    "An access token is refused as soon as its session is revoked, but "
    "until it expires it works without a refresh, so a stolen one is never "
    "caught by refresh-token reuse detection, and a user's changed "
    "permissions or deactivation are all that stop it."
)
REFRESH_ADVICE = (
    "A stolen refresh token that is never rotated by its owner stays "
    "usable that long; sessions still end after SESSION_LIFETIME."
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
        cache (see ``tokens.state``): processes re-check the outbox this often,
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
