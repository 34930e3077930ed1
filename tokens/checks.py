"""
System checks for the ``tokens`` settings (``manage.py check``).

Every key of ``TOKENS`` is validated against the table of
``tokens.app_settings`` (``check_settings``); the other checks look at what a
single value cannot tell: the keys themselves, the cache, lifetimes compared
with each other. One id per check (tests/tokens/test_settings_table.py holds
them unique).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import URLPattern, URLResolver, get_resolver

from tokens.app_settings import (
    AppSettings,
    Choice,
    Count,
    Duration,
    ImportPath,
    Setting,
    app_settings,
)
from tokens.signing import HMAC_ALGORITHMS, build_key

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
MIN_HMAC_KEY_BYTES = 32

# The check id of a value that its key refuses, by the key's kind of setting.
SETTING_CHECK_IDS: dict[type[Setting[Any]], str] = {
    Duration: "tokens.E020",
    Choice: "tokens.E041",
    ImportPath: "tokens.E042",
    Count: "tokens.E043",
    Setting: "tokens.E045",
}


def _valid(*names: str) -> bool:
    """Whether the settings *names* hold values their keys accept."""
    table = {setting.name: setting for setting in AppSettings.table()}
    return all(table[n].problem(table[n].lookup()[1]) is None for n in names)


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every key of TOKENS is known, and every value is what its key expects."""
    messages = _unknown_keys()
    if not isinstance(getattr(settings, "TOKENS", {}), dict):
        return messages
    for setting in AppSettings.table():
        source, value = setting.lookup()
        where = f'{source}["{setting.name}"]'
        problem = setting.problem(value)
        if problem is not None:
            messages.append(Error(f"{where} {problem}.", id=_check_id(setting)))
        elif (advice := setting.advice(value)) is not None:
            warning, hint = advice
            messages.append(Warning(f"{where} {warning}.", hint=hint, id="tokens.W022"))
    return messages


def _check_id(setting: Setting[Any]) -> str:
    kinds = type(setting).__mro__
    return next(SETTING_CHECK_IDS[kind] for kind in kinds if kind in SETTING_CHECK_IDS)


def _unknown_keys() -> list[CheckMessage]:
    """A key of TOKENS that the app does not know is a typo until proven otherwise."""
    messages: list[CheckMessage] = []
    tokens = getattr(settings, "TOKENS", {})
    if not isinstance(tokens, dict):
        return [
            Error(
                f"TOKENS must be a dict, got {type(tokens).__name__}.",
                id="tokens.E044",
            )
        ]
    for name in tokens:
        if name in AppSettings.known_keys():
            continue
        close = AppSettings.closest_key(str(name))
        messages.append(
            Error(
                f"TOKENS[{name!r}] is not a setting of the tokens app.",
                hint=f"Did you mean {close!r}?" if close else "See docs/settings.md.",
                id="tokens.E044",
            )
        )
    return messages


@register(Tags.security)
def check_signing_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not _valid("SIGNING_KEYS", "ACTIVE_KID"):
        return []  # check_settings reports it
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
    if not _valid("CACHE_ALIAS"):
        return []  # check_settings reports it
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


THROTTLE_SCOPES = ("login_ip", "login_account", "login_account_ip", "refresh_ip")


@register(Tags.security)
def check_lifetimes(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Lifetimes compared with each other (each alone: check_settings)."""
    lifetimes = ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME", "SESSION_LIFETIME")
    if not _valid(*lifetimes):
        return []
    problems: list[CheckMessage] = []
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


# OAuth endpoints for resource servers ------------------------------------------


@register(Tags.urls)
def check_oauth_urls(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """tokens.W060: INTROSPECTION_ENABLED, but an endpoint it serves is not mounted."""
    from tokens.oauth_metadata import AuthorizationServerMetadataView
    from tokens.oauth_views import IntrospectView, RevokeView

    if not _valid("INTROSPECTION_ENABLED") or not app_settings.INTROSPECTION_ENABLED:
        return []
    try:
        mounted = list(_view_classes(get_resolver().url_patterns))
    except Exception:  # noqa: BLE001  (Django's own URL checks report a broken URLconf)
        return []
    expected = [
        (IntrospectView, "tokens.urls"),
        (RevokeView, "tokens.urls"),
        (AuthorizationServerMetadataView, "tokens.well_known_urls (at the site root)"),
    ]
    return [
        Warning(
            f"TOKENS['INTROSPECTION_ENABLED'] is on, but {view.__module__}."
            f"{view.__qualname__} is not mounted.",
            hint=f"Include {urls} in the URLconf; see docs/oauth.md.",
            id="tokens.W060",
        )
        for view, urls in expected
        if not any(issubclass(found, view) for found in mounted)
    ]


def _view_classes(patterns: list[Any]) -> Iterator[type]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _view_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            if isinstance(view, type):
                yield view


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
