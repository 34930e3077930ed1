"""System checks on the TOKENS settings."""

from datetime import timedelta

import pytest
from django.core.checks import ERROR, WARNING

from tokens import checks


def ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_project_settings_pass_every_check():
    assert checks.check_settings() == []
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
        ("ACCESS_TOKEN_LIFETIME", timedelta(seconds=5)),
        ("LEEWAY", timedelta(seconds=31)),
        ("ROTATION_GRACE_PERIOD", timedelta(minutes=10)),
        ("SESSION_LIFETIME", 30),
    ],
)
def test_lifetimes_out_of_bounds_are_errors(settings, name, value):
    settings.TOKENS = {**settings.TOKENS, name: value}
    assert "tokens.E020" in ids(checks.check_settings())


@pytest.mark.parametrize(
    "name,value",
    [
        ("ACCESS_TOKEN_LIFETIME", timedelta(days=7)),
        ("REFRESH_TOKEN_LIFETIME", timedelta(days=120)),
    ],
)
def test_long_simplejwt_lifetimes_are_warnings_that_explain(settings, name, value):
    """Valid for SimpleJWT, so the site starts: a warning with the trade-off."""
    settings.TOKENS = {**settings.TOKENS, name: value}
    messages = checks.check_settings()
    assert [(m.id, m.level) for m in messages] == [("tokens.W022", WARNING)]
    assert messages[0].hint


def test_refresh_lifetime_beyond_the_session_is_a_warning(settings):
    settings.TOKENS = {**settings.TOKENS, "REFRESH_TOKEN_LIFETIME": timedelta(days=60)}
    assert ids(checks.check_lifetimes()) == {"tokens.W023"}


def test_a_7_day_simple_jwt_access_lifetime_is_read_and_warned(settings):
    settings.TOKENS = {
        k: v for k, v in settings.TOKENS.items() if k != "ACCESS_TOKEN_LIFETIME"
    }
    settings.SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(days=7)}
    assert ids(checks.check_settings()) == {"tokens.W022"}
    assert ids(checks.check_lifetimes()) == set()


def test_every_known_key_passes(settings):
    settings.TOKENS = {**settings.TOKENS, "USER_ID_CLAIM": "user_id"}
    assert checks.check_settings() == []


@pytest.mark.parametrize(
    "name,value,allowed",
    [
        ("REVOKE_ON_PASSWORD_CHANGE", "other", "'others', 'all', 'none'"),
        ("REVOKE_ON_PASSWORD_RESET", 1, "True, False"),
        ("REVOKE_ON_DEACTIVATION", "yes", "True, False"),
        ("REFRESH_COOKIE", None, "True, False"),
        ("REFRESH_COOKIE_SECURE", "False", "True, False"),
        ("REFRESH_COOKIE_SAMESITE", "strict", "'Strict', 'Lax', 'None'"),
    ],
)
def test_enumerated_settings_outside_their_values_are_errors(
    settings, name, value, allowed
):
    settings.TOKENS = {**settings.TOKENS, name: value}
    (message,) = checks.check_settings()
    assert message.id == "tokens.E041" and message.level == ERROR
    assert message.msg == (
        f'TOKENS["{name}"] must be one of {allowed}, '
        f"got {type(value).__name__} {value!r}."
    )


def test_enumerated_settings_pass_with_the_defaults():
    assert checks.check_settings() == []


def test_a_simplejwt_obtain_serializer_is_an_error(settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "TOKEN_OBTAIN_SERIALIZER": "rest_framework.serializers.Serializer",
    }
    assert ids(checks.check_settings()) == {"tokens.E042"}
    settings.TOKENS = {**settings.TOKENS, "TOKEN_OBTAIN_SERIALIZER": "no.such.Class"}
    assert ids(checks.check_settings()) == {"tokens.E042"}


def test_simplejwt_default_obtain_serializer_means_ours(settings):
    settings.SIMPLE_JWT = {
        "TOKEN_OBTAIN_SERIALIZER": (
            "rest_framework_simplejwt.serializers.TokenObtainPairSerializer"
        )
    }
    assert checks.check_settings() == []


def test_throttle_scopes_have_built_in_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    assert checks.check_throttle_rates() == []


def test_a_throttle_scope_set_to_none_is_a_warning(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_ip": None}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    assert ids(checks.check_throttle_rates()) == {"tokens.W030"}


def test_simplejwt_views_mounted_beside_our_authentication_warn(settings):
    settings.ROOT_URLCONF = "tests.tokens.simplejwt_urls"
    (message,) = checks.check_simplejwt_views()
    assert message.id == "tokens.W050"
    assert (
        "(rest_framework_simplejwt.views.TokenObtainPairView, "
        "rest_framework_simplejwt.views.TokenRefreshView)" in message.msg
    )


def test_a_simplejwt_view_minting_our_tokens_does_not_warn():
    from tests.tokens import simplejwt_urls

    first, _, ours, _ = simplejwt_urls.urlpatterns
    assert list(checks._simplejwt_views([ours])) == []
    assert list(checks._simplejwt_views([first])) != []


def test_simplejwt_views_do_not_warn_without_our_authentication(settings):
    settings.ROOT_URLCONF = "tests.tokens.simplejwt_urls"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework_simplejwt.authentication.JWTAuthentication"
        ],
    }
    assert checks.check_simplejwt_views() == []


def test_our_urls_do_not_warn():
    assert checks.check_simplejwt_views() == []
