"""
Login CSRF: another site's page cannot sign a visitor in.

The token endpoints take JSON only, which a browser sends cross-site only after
a CORS preflight; a form or multipart body is a 415. In cookie mode, where the
sign-in answer sets the refresh cookie, sign-in also passes the origin check
that cookie refresh and logout pass.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tokens.models import Session

LOGIN = "/api/auth/token/"
ORIGIN = "http://testserver"
EVIL = "https://evil.example"

# The endpoints that read a body; the others answer on the bearer token alone.
TOKEN_ENDPOINTS = [
    "tokens:token_obtain",
    "tokens:token_refresh",
    "tokens:token_verify",
    "tokens:logout",
]


@pytest.fixture
def cookie_mode(settings):
    settings.TOKENS = {**settings.TOKENS, "REFRESH_COOKIE": True}


def credentials(user) -> dict[str, str]:
    return {"email": user.email, "password": PASSWORD}


def sign_in(user, **headers):
    """Sign in with a JSON body, as a page script would, from a fresh browser."""
    client = APIClient(enforce_csrf_checks=True)
    return client.post(LOGIN, credentials(user), format="json", **headers)


def assert_refused(response, status: HTTPStatus) -> None:
    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail"}
    assert "refresh_token" not in response.cookies
    assert not Session.objects.exists()


@pytest.mark.parametrize("name", TOKEN_ENDPOINTS)
@pytest.mark.parametrize("body_format", ["multipart", None])
def test_a_form_body_is_415_on_every_token_endpoint(
    db, user, login, bearer, name, body_format
):
    """Form-urlencoded and multipart bodies are refused for their media type."""
    access = login(user)["access"]
    client = APIClient()
    body = {**credentials(user), "refresh": "x", "token": "x"}
    if body_format is None:
        response = client.generic(
            "POST",
            reverse(name),
            "email=a%40example.com&password=x",
            "application/x-www-form-urlencoded",
            **bearer(access),
        )
    else:
        response = client.post(
            reverse(name), body, format="multipart", **bearer(access)
        )
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE, response.content
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"].startswith("Unsupported media type")


def test_a_form_sign_in_creates_no_session_in_cookie_mode(cookie_mode, user):
    """A cross-site form post with valid credentials: 415, no cookie, no session."""
    response = APIClient(enforce_csrf_checks=True).post(
        LOGIN, credentials(user), HTTP_ORIGIN=EVIL, HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert_refused(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": EVIL}, id="cross-origin Origin"),
        pytest.param({"HTTP_ORIGIN": "null"}, id="null Origin"),
        pytest.param(
            {"HTTP_ORIGIN": "http://testserver.evil.example"}, id="look-alike Origin"
        ),
        pytest.param({"HTTP_REFERER": f"{EVIL}/page"}, id="cross-origin Referer"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "cross-site"}, id="cross-site, no Origin"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "same-site"}, id="same-site, no Origin"),
        pytest.param(
            {"HTTP_ORIGIN": ORIGIN, "HTTP_SEC_FETCH_SITE": "cross-site"},
            id="labelled cross-site by the browser",
        ),
    ],
)
def test_a_cross_site_sign_in_is_403_in_cookie_mode(cookie_mode, user, headers):
    """Valid credentials from another site's page: 403, no cookie, no session."""
    assert_refused(sign_in(user, **headers), HTTPStatus.FORBIDDEN)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": ORIGIN}, id="same Origin"),
        pytest.param(
            {"HTTP_ORIGIN": ORIGIN, "HTTP_SEC_FETCH_SITE": "same-origin"},
            id="same Origin, labelled same-origin",
        ),
        pytest.param({"HTTP_REFERER": f"{ORIGIN}/app/"}, id="same-origin Referer"),
        pytest.param({"HTTP_SEC_FETCH_SITE": "same-origin"}, id="same-origin label"),
        pytest.param({}, id="no browser headers (an API client)"),
    ],
)
def test_a_same_site_sign_in_sets_the_cookie_in_cookie_mode(cookie_mode, user, headers):
    response = sign_in(user, **headers)
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.cookies["refresh_token"].value
    assert Session.objects.filter(user=user).count() == 1


def test_a_trusted_front_end_may_sign_in_in_cookie_mode(cookie_mode, user, settings):
    """An origin listed in CSRF_TRUSTED_ORIGINS is another site, and allowed."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org"]
    response = sign_in(
        user, HTTP_ORIGIN="https://app.example.org", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.cookies["refresh_token"].value


def test_a_cross_site_sign_in_still_fails_with_wrong_credentials(cookie_mode, user):
    """The origin check answers first: nothing is learnt about the password."""
    body = {"email": user.email, "password": "wrong"}
    response = APIClient().post(LOGIN, body, format="json", HTTP_ORIGIN=EVIL)
    assert_refused(response, HTTPStatus.FORBIDDEN)


def test_bearer_mode_sign_in_sets_no_cookie_whatever_the_origin(db, user):
    """Without the cookie the tokens are in a body another origin cannot read."""
    response = sign_in(user, HTTP_ORIGIN=EVIL)
    assert response.status_code == HTTPStatus.OK, response.content
    assert set(response.json()) == {"access", "refresh"}
    assert "refresh_token" not in response.cookies
