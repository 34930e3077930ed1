"""
The opt-in refresh cookie for browsers: HttpOnly, Secure, SameSite=Strict,
scoped to /api/auth/, and usable only with Django's CSRF token and a same-origin
Origin or Referer. Bearer clients keep working unchanged.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

LOGIN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
CSRF = "/api/auth/csrf/"
SESSIONS = "/api/auth/sessions/"
ORIGIN = "http://testserver"


@pytest.fixture
def cookie_mode(settings):
    settings.TOKENS = {**settings.TOKENS, "REFRESH_COOKIE": True}


@pytest.fixture
def browser(cookie_mode) -> APIClient:
    """A client that enforces CSRF, as a browser's requests are checked."""
    return APIClient(enforce_csrf_checks=True)


def sign_in(client: APIClient, user) -> dict:
    response = client.post(
        LOGIN, {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK, response.content
    return response


def csrf_token(client: APIClient) -> str:
    response = client.get(CSRF)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"detail": "CSRF cookie set."}
    return client.cookies["csrftoken"].value


def browser_post(client: APIClient, url: str, **headers):
    """POST with no body, as a page script would: the cookie carries the token."""
    return client.post(url, format="json", **headers)


def test_login_sets_a_locked_down_cookie_and_omits_refresh(browser, user):
    """The refresh token travels only in an HttpOnly, Secure, Strict cookie."""
    response = sign_in(browser, user)
    assert set(response.json()) == {"access"}
    cookie = response.cookies["refresh_token"]
    assert cookie.value.count(".") == 2
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/auth/"
    assert int(cookie["max-age"]) > 0


def test_refresh_with_cookie_csrf_and_origin(browser, user):
    """With the CSRF token and a same-origin Origin, the cookie is rotated."""
    first = sign_in(browser, user).cookies["refresh_token"].value
    token = csrf_token(browser)
    response = browser_post(
        browser, REFRESH, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == HTTPStatus.OK, response.content
    assert set(response.json()) == {"access"}
    second = response.cookies["refresh_token"].value
    assert second and second != first


def test_same_origin_referer_is_enough(browser, user):
    """Without Origin, a same-origin Referer passes the origin check."""
    sign_in(browser, user)
    token = csrf_token(browser)
    response = browser_post(
        browser, REFRESH, HTTP_X_CSRFTOKEN=token, HTTP_REFERER=f"{ORIGIN}/app/"
    )
    assert response.status_code == HTTPStatus.OK, response.content


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": ORIGIN}, id="no CSRF header"),
        pytest.param(
            {"HTTP_ORIGIN": ORIGIN, "HTTP_X_CSRFTOKEN": "x" * 32},
            id="wrong CSRF header",
        ),
        pytest.param({"HTTP_X_CSRFTOKEN": "<token>"}, id="no Origin or Referer"),
        pytest.param(
            {"HTTP_X_CSRFTOKEN": "<token>", "HTTP_ORIGIN": "https://evil.example"},
            id="cross-origin Origin",
        ),
        pytest.param(
            {"HTTP_X_CSRFTOKEN": "<token>", "HTTP_ORIGIN": "null"}, id="null Origin"
        ),
        pytest.param(
            {
                "HTTP_X_CSRFTOKEN": "<token>",
                "HTTP_REFERER": "http://testserver.evil.example/",
            },
            id="look-alike Referer",
        ),
    ],
)
@pytest.mark.parametrize("url", [REFRESH, LOGOUT])
def test_cookie_without_csrf_or_origin_is_forbidden(browser, user, url, headers):
    """Refresh and logout by cookie are 403 without the CSRF token and same origin."""
    sign_in(browser, user)
    token = csrf_token(browser)
    headers = {k: (token if v == "<token>" else v) for k, v in headers.items()}
    response = browser_post(browser, url, **headers)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "detail" in response.json()
    assert "refresh_token" not in response.cookies


def test_forged_logout_leaves_the_session_alive(browser, user):
    """A cross-site logout attempt revokes nothing."""
    access = sign_in(browser, user).json()["access"]
    csrf_token(browser)
    forged = browser_post(browser, LOGOUT, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == HTTPStatus.FORBIDDEN
    still = browser.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert still.status_code == HTTPStatus.OK


def test_logout_clears_the_cookie_and_ends_the_session(browser, user):
    response = sign_in(browser, user)
    access, refresh = response.json()["access"], response.cookies["refresh_token"].value
    token = csrf_token(browser)
    out = browser_post(browser, LOGOUT, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=ORIGIN)
    assert out.status_code == HTTPStatus.NO_CONTENT
    cleared = out.cookies["refresh_token"]
    assert cleared.value == ""
    assert cleared["path"] == "/api/auth/"
    assert cleared["max-age"] == 0
    again = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert again.status_code == HTTPStatus.UNAUTHORIZED
    gone = browser.get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert gone.status_code == HTTPStatus.UNAUTHORIZED


def test_refresh_without_any_token_is_401(browser):
    token = csrf_token(browser)
    response = browser_post(
        browser, REFRESH, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()


def test_bearer_clients_keep_working_in_cookie_mode(cookie_mode, user):
    """A token in the body is no ambient credential: no CSRF check applies to it."""
    client = APIClient(enforce_csrf_checks=True)
    response = sign_in(client, user)
    access, refresh = response.json()["access"], response.cookies["refresh_token"].value

    def api() -> APIClient:
        # An API client that keeps no cookies: each call starts bare.
        return APIClient(enforce_csrf_checks=True)

    assert api().get(SESSIONS, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    rotated = api().post(REFRESH, {"refresh": refresh}, format="json")
    assert rotated.status_code == HTTPStatus.OK, rotated.content
    out = api().post(LOGOUT, HTTP_AUTHORIZATION=f"Bearer {rotated.json()['access']}")
    assert out.status_code == HTTPStatus.NO_CONTENT


def test_default_mode_sets_no_cookie(user):
    """Without REFRESH_COOKIE the pair is in the body and no cookie is set."""
    response = sign_in(APIClient(enforce_csrf_checks=True), user)
    assert set(response.json()) == {"access", "refresh"}
    assert "refresh_token" not in response.cookies


def test_csrf_endpoint_needs_no_authentication(api_client):
    """Even a garbage Authorization header gets the CSRF cookie."""
    response = api_client.get(CSRF, HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == HTTPStatus.OK
    assert "csrftoken" in response.cookies
    assert "no-store" in response["Cache-Control"]


def test_a_trusted_front_end_origin_is_accepted(browser, user, settings):
    """An origin listed in CSRF_TRUSTED_ORIGINS may use the cookie too."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org"]
    sign_in(browser, user)
    token = csrf_token(browser)
    response = browser_post(
        browser, REFRESH, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://app.example.org"
    )
    assert response.status_code == HTTPStatus.OK, response.content
