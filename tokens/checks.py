"""System checks for the ``tokens`` settings (``manage.py check``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from tokens.app_settings import app_settings
from tokens.backends import HMAC_ALGORITHMS, build_key

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
MIN_HMAC_KEY_BYTES = 32
MAX_LEEWAY = timedelta(seconds=30)


@register(Tags.security)
def check_signing_keys(app_configs: Any = None, **kwargs: Any) -> list:
    ring = app_settings.SIGNING_KEYS
    if not ring:
        return [
            Error(
                "TOKENS['SIGNING_KEYS'] is empty.",
                hint="Add a key; see docs/settings.md.",
                id="tokens.E001",
            )
        ]
    errors, kids = [], set()
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


def _check_key(entry: dict[str, Any], kids: set[str]) -> list:
    try:
        key = build_key(entry)
    except (ValueError, TypeError) as exc:
        return [Error(f"Invalid signing key: {exc}", id="tokens.E002")]
    errors = []
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
def check_revocation_cache(app_configs: Any = None, **kwargs: Any) -> list:
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


@register(Tags.security)
def check_lifetimes(app_configs: Any = None, **kwargs: Any) -> list:
    problems = []
    bounds = {
        "ACCESS_TOKEN_LIFETIME": (timedelta(seconds=30), timedelta(hours=1)),
        "REFRESH_TOKEN_LIFETIME": (timedelta(minutes=5), timedelta(days=90)),
        "SESSION_LIFETIME": (timedelta(minutes=5), timedelta(days=365)),
        "SESSION_IDLE_TIMEOUT": (timedelta(minutes=5), timedelta(days=365)),
        "ROTATION_GRACE_PERIOD": (timedelta(0), timedelta(minutes=2)),
        "LEEWAY": (timedelta(0), MAX_LEEWAY),
    }
    for name, (low, high) in bounds.items():
        value = getattr(app_settings, name)
        if not isinstance(value, timedelta) or not low <= value <= high:
            problems.append(
                Error(
                    f"TOKENS['{name}'] must be a timedelta between {low} and {high}.",
                    id="tokens.E020",
                )
            )
    if problems:
        return problems
    if app_settings.ACCESS_TOKEN_LIFETIME > app_settings.SESSION_LIFETIME:
        problems.append(
            Warning("ACCESS_TOKEN_LIFETIME exceeds SESSION_LIFETIME.", id="tokens.W021")
        )
    return problems


@register(Tags.security)
def check_throttle_rates(app_configs: Any = None, **kwargs: Any) -> list:
    from rest_framework.settings import api_settings

    missing = {"login_ip", "login_account", "login_account_ip", "refresh_ip"} - set(
        api_settings.DEFAULT_THROTTLE_RATES
    )
    if not missing:
        return []
    return [
        Warning(
            f"No throttle rate for {', '.join(sorted(missing))}: "
            "sign-in is not throttled.",
            hint="Set REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] for these scopes.",
            id="tokens.W030",
        )
    ]
