"""
The kinds of ``TOKENS`` setting, each with what a value of it must be.

``Setting`` is one key: its default, its meaning, the types a value may have
and its ``SIMPLE_JWT`` counterpart, read as an attribute of
``tokens.app_settings.AppSettings``. Each subclass is a kind of value with its
own validation: ``Duration`` (a ``timedelta`` within bounds), ``Count`` (a whole
number), ``Choice`` (one of a fixed set), ``ImportPath`` (a dotted path that
imports), ``Moment`` (an aware ``datetime``), ``Origin`` (a site's
``scheme://host``) and ``KeyRing`` (a list of key dicts). ``problem()`` says
what is wrong with a value and ``advice()`` what is unwise about it;
``tokens.checks`` reports both under the key's name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    # For the descriptor's signature only: tokens.app_settings imports this
    # module, so importing it back at run time would be a cycle.
    from tokens.app_settings import AppSettings

SIMPLE_JWT_KID = "simplejwt"
SIMPLE_JWT_DEFAULT_OBTAIN_SERIALIZER = (
    "rest_framework_simplejwt.serializers.TokenObtainPairSerializer"
)
OUR_OBTAIN_SERIALIZER = "tokens.serializers.TokenObtainPairSerializer"

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


class Origin(Setting[str | None]):
    """
    ``scheme://host[:port]`` (http or https) with no path, query or fragment,
    or None.
    """

    def expected(self) -> str:
        return 'an http(s) origin such as "https://example.com", or None'

    def problem(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            return f"must be {self.expected()}, got {_kind(value)}"
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            return f"must be {self.expected()}, got {value!r}"
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


# What the lifetime checks say of a lifetime above its advised value.
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
