"""System checks for the ``tokens`` settings (``manage.py check``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string

from tokens.app_settings import CHOICES, AppSettings, app_settings
from tokens.backends import HMAC_ALGORITHMS, build_key

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
MIN_HMAC_KEY_BYTES = 32
MAX_LEEWAY = timedelta(seconds=30)


@register(Tags.security)
def check_signing_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    ring = app_settings.SIGNING_KEYS
    if not ring:
        return [
            Error(
                "TOKENS['SIGNING_KEYS'] is empty.",
                hint="Add a key; see docs/settings.md.",
                id="tokens.E001",
            )
        ]
    errors: list[CheckMessage] = []
    kids: set[str] = set()
    for entry in ring:
        errors += _check_key(entry, kids)
    active = app_settings.ACTIVE_KID
    if active is not None and active not in kids:
        errors.append(
            Error(
                f"TOKENS['ACTIVE_KID'] {active!r} is not in the key ring.",
                id="tokens.E004",
            )
        )
    return errors


def _check_key(entry: dict[str, Any], kids: set[str]) -> list[CheckMessage]:
    try:
        key = build_key(entry)
    except (ValueError, TypeError) as exc:
        return [Error(f"Invalid signing key: {exc}", id="tokens.E002")]
    errors: list[CheckMessage] = []
    if key.kid in kids:
        errors.append(Error(f"Duplicate kid {key.kid!r}.", id="tokens.E003"))
    kids.add(key.kid)
    if key.algorithm in HMAC_ALGORITHMS:
        secret = str(entry.get("secret", ""))
        if secret == settings.SECRET_KEY:
            errors.append(
                Error(
                    f"Key {key.kid!r} is SECRET_KEY.",
                    hint="Use a dedicated key, e.g. `manage.py generatesigningkey`.",
                    id="tokens.E005",
                )
            )
        if len(secret.encode()) < MIN_HMAC_KEY_BYTES:
            errors.append(
                Error(
                    f"Key {key.kid!r} is shorter than {MIN_HMAC_KEY_BYTES} bytes.",
                    hint="RFC 7518 §3.2: an HMAC key must be at least the hash size.",
                    id="tokens.E006",
                )
            )
    return errors


@register(Tags.security, Tags.caches)
def check_revocation_cache(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    alias = app_settings.CACHE_ALIAS
    if alias is None:
        return []
    if alias not in settings.CACHES:
        return [
            Error(
                f"TOKENS['CACHE_ALIAS'] {alias!r} is not in CACHES.", id="tokens.E010"
            )
        ]
    backend = settings.CACHES[alias].get("BACKEND", "")
    if backend in PER_PROCESS_CACHES and not settings.DEBUG:
        return [
            Error(
                f"The revocation cache {alias!r} uses {backend.rsplit('.', 1)[-1]}, "
                "which each process keeps for itself: a revocation made in one "
                "process would not reach the others.",
                hint="Use a shared cache (Redis) or set TOKENS['CACHE_ALIAS'] = None.",
                id="tokens.E011",
            )
        ]
    return []


# name -> (lowest allowed, highest advised). Below the lowest is an error.
# Above the highest is an error for the app's own settings, and a warning for
# those a SimpleJWT site brings along (valid there, so the site must start).
LIFETIME_BOUNDS = {
    "ACCESS_TOKEN_LIFETIME": (timedelta(seconds=30), timedelta(hours=1)),
    "REFRESH_TOKEN_LIFETIME": (timedelta(minutes=5), timedelta(days=90)),
    "SESSION_LIFETIME": (timedelta(minutes=5), timedelta(days=365)),
    "SESSION_IDLE_TIMEOUT": (timedelta(minutes=5), timedelta(days=365)),
    "ROTATION_GRACE_PERIOD": (timedelta(0), timedelta(minutes=2)),
    "LEEWAY": (timedelta(0), MAX_LEEWAY),
}
ADVISORY_MAXIMUM = {
    "ACCESS_TOKEN_LIFETIME": (
        "An access token is refused as soon as its session is revoked, but "
        "until it expires it works without a refresh, so a stolen one is never "
        "caught by refresh-token reuse detection, and a user's changed "
        "permissions or deactivation are all that stop it."
    ),
    "REFRESH_TOKEN_LIFETIME": (
        "A stolen refresh token that is never rotated by its owner stays "
        "usable that long; sessions still end after SESSION_LIFETIME."
    ),
}
THROTTLE_SCOPES = ("login_ip", "login_account", "login_account_ip", "refresh_ip")


@register(Tags.security)
def check_lifetimes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    for name, (low, high) in LIFETIME_BOUNDS.items():
        value = getattr(app_settings, name)
        if not isinstance(value, timedelta) or value < low:
            problems.append(_lifetime_error(name, low, high))
        elif value > high and name in ADVISORY_MAXIMUM:
            problems.append(
                Warning(
                    f"{name} is {value}, longer than the advised {high}.",
                    hint=ADVISORY_MAXIMUM[name],
                    id="tokens.W022",
                )
            )
        elif value > high:
            problems.append(_lifetime_error(name, low, high))
    if any(isinstance(problem, Error) for problem in problems):
        return problems
    if app_settings.ACCESS_TOKEN_LIFETIME > app_settings.SESSION_LIFETIME:
        problems.append(
            Warning("ACCESS_TOKEN_LIFETIME exceeds SESSION_LIFETIME.", id="tokens.W021")
        )
    if app_settings.REFRESH_TOKEN_LIFETIME > app_settings.SESSION_LIFETIME:
        problems.append(
            Warning(
                "REFRESH_TOKEN_LIFETIME exceeds SESSION_LIFETIME: sessions, and "
                "their refresh tokens, end after SESSION_LIFETIME.",
                hint="Raise TOKENS['SESSION_LIFETIME'] to keep users signed in longer.",
                id="tokens.W023",
            )
        )
    return problems


def _lifetime_error(name: str, low: timedelta, high: timedelta) -> Error:
    return Error(
        f"TOKENS['{name}'] must be a timedelta between {low} and {high}.",
        id="tokens.E020",
    )


@register(Tags.security)
def check_throttle_rates(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    off = [
        scope for scope in THROTTLE_SCOPES if app_settings.throttle_rate(scope) is None
    ]
    if not off:
        return []
    return [
        Warning(
            f"The throttle rate of {', '.join(off)} is None: sign-in is not throttled.",
            hint="Remove these scopes from REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] "
            "to use the built-in rates, or give them a rate.",
            id="tokens.W030",
        )
    ]


@register()
def check_setting_names(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A key of TOKENS that the app does not know is a typo until proven otherwise."""
    known = AppSettings.known_keys()
    messages: list[CheckMessage] = []
    for name in getattr(settings, "TOKENS", {}):
        if name in known:
            continue
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"Did you mean {close[0]!r}?" if close else "See docs/settings.md."
        messages.append(
            Warning(
                f"TOKENS[{name!r}] is not a setting of the tokens app; it is ignored.",
                hint=hint,
                id="tokens.W040",
            )
        )
    return messages


@register()
def check_setting_choices(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name, allowed in CHOICES.items():
        value = getattr(app_settings, name)
        # True == 1 in Python: compare types too, so 1 is not taken for True.
        if not any(type(value) is type(a) and value == a for a in allowed):
            messages.append(
                Error(
                    f"TOKENS[{name!r}] is {value!r}; allowed values: "
                    f"{', '.join(repr(a) for a in allowed)}.",
                    id="tokens.E041",
                )
            )
    return messages


# Settings that count something: a non-negative integer each.
COUNTS = (
    "CACHE_LOCAL_ENTRIES",
    "VERIFIED_TOKENS_CACHE",
    "MAX_TOKEN_BYTES",
    "CACHE_TTL",
)


@register()
def check_setting_counts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in COUNTS:
        value = getattr(app_settings, name)
        if type(value) is not int or value < 0:
            messages.append(
                Error(
                    f"TOKENS[{name!r}] is {value!r}; "
                    "it must be a whole number, 0 or more.",
                    id="tokens.E043",
                )
            )
    return messages


@register()
def check_obtain_serializer(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    from rest_framework_simplejwt.serializers import TokenObtainSerializer

    from tokens.serializers import TokenObtainPairSerializer

    path = app_settings.TOKEN_OBTAIN_SERIALIZER
    try:
        serializer = import_string(path)
    except ImportError as exc:
        return [Error(f"TOKEN_OBTAIN_SERIALIZER {path!r}: {exc}", id="tokens.E042")]
    bases = (TokenObtainPairSerializer, TokenObtainSerializer)
    if isinstance(serializer, type) and issubclass(serializer, bases):
        return []
    return [
        Error(
            f"TOKEN_OBTAIN_SERIALIZER {path!r} is not a token obtain serializer.",
            hint="Derive it from tokens.serializers.TokenObtainPairSerializer "
            "(or SimpleJWT's TokenObtainPairSerializer) and override get_token().",
            id="tokens.E042",
        )
    ]


@register(Tags.urls)
def check_simplejwt_views(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """SimpleJWT's own token views mint tokens that SessionJWTAuthentication refuses."""
    if not _session_authentication_used():
        return []
    try:
        mounted = sorted(set(_simplejwt_views(get_resolver().url_patterns)))
    except Exception:  # noqa: BLE001  (Django's own URL checks report a broken URLconf)
        return []
    if not mounted:
        return []
    return [
        Warning(
            f"SimpleJWT's token views are mounted ({', '.join(mounted)}), but "
            "SessionJWTAuthentication authenticates requests: the tokens they "
            "mint belong to no session and are refused, and the tokens they "
            "verify or blacklist are not the ones it issues.",
            hint="Mount tokens.urls (or tokens.contrib.djoser / "
            "tokens.contrib.dj_rest_auth) instead; docs/upgrading-from-simplejwt.md.",
            id="tokens.W050",
        )
    ]


def _session_authentication_used() -> bool:
    from rest_framework.settings import api_settings

    from tokens.authentication import SessionJWTAuthentication

    return any(
        isinstance(cls, type) and issubclass(cls, SessionJWTAuthentication)
        for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES
    )


def _simplejwt_views(patterns: list[Any]) -> Iterator[str]:
    from rest_framework_simplejwt.views import TokenViewBase

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _simplejwt_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            # SimpleJWT's views and their subclasses (djoser and dj-rest-auth
            # mount them), unless their serializer mints our tokens.
            view = getattr(pattern.callback, "view_class", None)
            if (
                isinstance(view, type)
                and issubclass(view, TokenViewBase)
                and not _mints_ours(pattern.callback)
            ):
                yield f"{view.__module__}.{view.__qualname__}"


def _mints_ours(callback: Any) -> bool:
    """Whether a SimpleJWT view's serializer mints tokens.tokens tokens."""
    from tokens.tokens import SessionToken

    try:
        view = callback.view_class(**getattr(callback, "view_initkwargs", {}))
        token_class = getattr(view.get_serializer_class(), "token_class", None)
    except Exception:  # noqa: BLE001  (an unusual view: warn about it)
        return False
    return isinstance(token_class, type) and issubclass(token_class, SessionToken)


# Integrations (tokens.contrib) ------------------------------------------------


@register(Tags.security)
def check_dj_rest_auth(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """
    tokens.E051: dj-rest-auth's password change must ask for the old password.
    tokens.E052: its login must mint our tokens.
    """
    from django.apps import apps

    if not apps.is_installed("dj_rest_auth"):
        return []
    from tokens.contrib.dj_rest_auth import checks

    return checks.check_password_change_serializer() + checks.check_claims_serializer()
