"""
UPDATE_LAST_LOGIN: a sign-in sets the user's ``last_login``, as SimpleJWT's
option of the same name does, and ``SIMPLE_JWT["UPDATE_LAST_LOGIN"]`` keeps
working for a site moving from SimpleJWT.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.checks import run_checks

from tests.conftest import PASSWORD

LOGIN = "/api/auth/token/"


@pytest.fixture
def simple_jwt(settings):
    def set_simple_jwt(**values) -> None:
        settings.SIMPLE_JWT = {**getattr(settings, "SIMPLE_JWT", {}), **values}

    return set_simple_jwt


def sign_in(api_client, user, password: str = PASSWORD):
    body = {"email": user.email, "password": password}
    return api_client.post(LOGIN, body, format="json")


def last_login_after_sign_in(api_client, user):
    assert sign_in(api_client, user).status_code == HTTPStatus.OK
    user.refresh_from_db()
    return user.last_login


def test_last_login_is_left_alone_by_default(api_client, user):
    assert last_login_after_sign_in(api_client, user) is None


def test_the_tokens_setting_updates_last_login(api_client, user, settings):
    settings.TOKENS = {**settings.TOKENS, "UPDATE_LAST_LOGIN": True}
    assert last_login_after_sign_in(api_client, user) is not None


def test_simple_jwts_setting_updates_last_login(api_client, user, simple_jwt):
    """A site moving from SimpleJWT keeps its UPDATE_LAST_LOGIN = True."""
    simple_jwt(UPDATE_LAST_LOGIN=True)
    assert last_login_after_sign_in(api_client, user) is not None


def test_the_tokens_setting_wins_over_simple_jwts(
    api_client, user, settings, simple_jwt
):
    simple_jwt(UPDATE_LAST_LOGIN=True)
    settings.TOKENS = {**settings.TOKENS, "UPDATE_LAST_LOGIN": False}
    assert last_login_after_sign_in(api_client, user) is None


def test_a_failed_sign_in_does_not_update_last_login(api_client, user, settings):
    settings.TOKENS = {**settings.TOKENS, "UPDATE_LAST_LOGIN": True}
    response = sign_in(api_client, user, password="wrong")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    user.refresh_from_db()
    assert user.last_login is None


def test_a_value_other_than_a_bool_is_a_check_error(settings):
    settings.TOKENS = {**settings.TOKENS, "UPDATE_LAST_LOGIN": "yes"}
    errors = [m for m in run_checks() if "UPDATE_LAST_LOGIN" in m.msg]
    assert [m.is_serious() for m in errors] == [True]
    assert "True, False" in errors[0].msg
