"""System checks on the TOKENS settings."""

from datetime import timedelta

import pytest

from tokens import checks


def ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_project_settings_pass_every_check():
    assert checks.check_signing_keys() == []
    assert checks.check_revocation_cache() == []
    assert checks.check_lifetimes() == []


def test_signing_key_equal_to_secret_key_is_an_error(settings):
    key = settings.SECRET_KEY
    settings.TOKENS = {**settings.TOKENS, "SIGNING_KEYS": [{"kid": "a", "secret": key}]}
    assert "tokens.E005" in ids(checks.check_signing_keys())


def test_short_hmac_key_is_an_error(settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "SIGNING_KEYS": [{"kid": "a", "secret": "short"}],
    }
    assert "tokens.E006" in ids(checks.check_signing_keys())


def test_empty_ring_duplicate_kid_and_unknown_active_kid(settings):
    settings.TOKENS = {**settings.TOKENS, "SIGNING_KEYS": []}
    assert ids(checks.check_signing_keys()) == {"tokens.E001"}
    key = {"kid": "a", "secret": "x" * 40}
    settings.TOKENS = {**settings.TOKENS, "SIGNING_KEYS": [key, key], "ACTIVE_KID": "b"}
    assert {"tokens.E003", "tokens.E004"} <= ids(checks.check_signing_keys())


def test_unsupported_algorithm_is_an_error(settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "SIGNING_KEYS": [{"kid": "a", "algorithm": "none", "secret": "x" * 40}],
    }
    assert ids(checks.check_signing_keys()) == {"tokens.E002"}


def test_local_memory_revocation_cache_is_an_error_without_debug(settings):
    settings.DEBUG = False
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "default"}
    assert ids(checks.check_revocation_cache()) == {"tokens.E011"}
    settings.DEBUG = True
    assert checks.check_revocation_cache() == []


def test_unknown_cache_alias_is_an_error(settings):
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "nope"}
    assert ids(checks.check_revocation_cache()) == {"tokens.E010"}


@pytest.mark.parametrize(
    "name,value",
    [
        ("ACCESS_TOKEN_LIFETIME", timedelta(days=1)),
        ("LEEWAY", timedelta(seconds=31)),
        ("ROTATION_GRACE_PERIOD", timedelta(minutes=10)),
        ("SESSION_LIFETIME", 30),
    ],
)
def test_lifetimes_out_of_bounds_are_errors(settings, name, value):
    settings.TOKENS = {**settings.TOKENS, name: value}
    assert "tokens.E020" in ids(checks.check_lifetimes())
