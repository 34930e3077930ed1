"""dj-rest-auth's own views on tokens.contrib.dj_rest_auth, with its cookies."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.contrib_sites.conftest import NEW_PASSWORD, PASSWORD
from tokens.models import RefreshTokenRecord, Session

SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
CROSS_ORIGIN = {"HTTP_ORIGIN": "https://elsewhere.example"}
# Django accepts an unmasked secret in both the cookie and the header.
CSRF_SECRET = "a" * 32


def login(client):
    response = client.post(
        reverse("rest_login"),
        {"username": "alice", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response


def test_login_sets_both_cookies_and_leaves_refresh_out_of_the_body(client, alice):
    response = login(client)
    assert response.json()["refresh"] == ""
    assert response.cookies["app-access"].value == response.json()["access"]
    assert response.cookies["app-refresh"]["httponly"]


def test_cookie_flow_login_protected_password_change_logout_401(client, alice):
    login(client)
    me = client.get(reverse("rest_user_details"))
    assert me.status_code == 200, me.content
    rotated = client.post(reverse("token_refresh"), {}, format="json", **SAME_ORIGIN)
    assert rotated.status_code == 200, rotated.content
    assert "refresh" not in rotated.json()
    assert rotated.cookies["app-refresh"].value
    access = client.cookies["app-access"].value
    changed = client.post(
        reverse("rest_password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    logout = client.post(reverse("rest_logout"), **SAME_ORIGIN)
    assert logout.status_code == 200, logout.content
    assert logout.cookies["app-access"].value == ""
    assert Session.objects.get().revoked_reason == "logout"
    client.cookies.clear()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    assert client.get(reverse("rest_user_details"), **bearer).status_code == 401


def test_refresh_without_a_cookie_is_401(client, db):
    response = client.post(reverse("token_refresh"), {}, format="json")
    assert response.status_code == 401


@pytest.fixture
def csrf_client():
    """A client whose requests pass Django's CSRF check only with the token."""
    client = APIClient(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


def unused_records():
    return RefreshTokenRecord.objects.filter(used_at__isnull=True).count()


@pytest.mark.parametrize("origin", [CROSS_ORIGIN, {}], ids=["cross-origin", "none"])
def test_a_cookie_refresh_from_another_site_is_refused(client, alice, origin):
    """The refresh cookie is sent whoever made the page: the origin must be ours."""
    login(client)
    response = client.post(reverse("token_refresh"), {}, format="json", **origin)
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert "app-refresh" not in response.cookies
    assert unused_records() == 1


@pytest.mark.parametrize("origin", [CROSS_ORIGIN, {}], ids=["cross-origin", "none"])
def test_a_cookie_logout_from_another_site_is_refused(client, alice, origin):
    login(client)
    response = client.post(reverse("rest_logout"), **origin)
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert Session.objects.get().revoked_at is None


def test_a_logout_with_only_the_access_cookie_is_checked_too(client, alice):
    login(client)
    del client.cookies["app-refresh"]
    refused = client.post(reverse("rest_logout"), **CROSS_ORIGIN)
    assert refused.status_code == 403
    assert Session.objects.get().revoked_at is None
    done = client.post(reverse("rest_logout"), **SAME_ORIGIN)
    assert done.status_code == 200, done.content
    assert Session.objects.get().revoked_reason == "logout"


def test_a_same_site_cookie_refresh_needs_the_csrf_token(csrf_client, alice):
    login(csrf_client)
    url = reverse("token_refresh")
    refused = csrf_client.post(url, {}, format="json", **SAME_ORIGIN)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")
    rotated = csrf_client.post(
        url, {}, format="json", HTTP_X_CSRFTOKEN=CSRF_SECRET, **SAME_ORIGIN
    )
    assert rotated.status_code == 200, rotated.content
    assert rotated.cookies["app-refresh"].value


def test_a_same_site_cookie_logout_with_the_csrf_token_revokes(csrf_client, alice):
    login(csrf_client)
    url = reverse("rest_logout")
    assert csrf_client.post(url, **SAME_ORIGIN).status_code == 403
    done = csrf_client.post(url, HTTP_X_CSRFTOKEN=CSRF_SECRET, **SAME_ORIGIN)
    assert done.status_code == 200, done.content
    assert Session.objects.get().revoked_reason == "logout"


def test_a_refresh_token_in_the_body_needs_no_origin(client, alice):
    """A token the client sends itself is not ambient: no cookie check applies."""
    login(client)
    raw = client.cookies["app-refresh"].value
    client.cookies.clear()
    rotated = client.post(reverse("token_refresh"), {"refresh": raw}, format="json")
    assert rotated.status_code == 200, rotated.content


def test_the_csrf_cookie_comes_from_csrf_and_lets_a_cookie_refresh_through(alice):
    client = APIClient(enforce_csrf_checks=True)
    login(client)
    got = client.get(reverse("rest_csrf"))
    assert got.status_code == 200
    token = got.cookies["csrftoken"].value
    rotated = client.post(
        reverse("token_refresh"),
        {},
        format="json",
        HTTP_X_CSRFTOKEN=token,
        **SAME_ORIGIN,
    )
    assert rotated.status_code == 200, rotated.content


@pytest.mark.parametrize("form", [True, False], ids=["form", "json"])
def test_a_cookie_login_from_another_site_is_refused(client, alice, form):
    """Another site's page cannot sign the visitor into an account (login CSRF)."""
    body = {"username": "alice", "password": PASSWORD}
    kwargs = {} if form else {"format": "json"}
    response = client.post(reverse("rest_login"), body, **kwargs, **CROSS_ORIGIN)
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert "app-refresh" not in response.cookies
    assert not Session.objects.exists()


def test_a_cookie_login_from_this_site_signs_in(client, alice):
    body = {"username": "alice", "password": PASSWORD}
    response = client.post(reverse("rest_login"), body, format="json", **SAME_ORIGIN)
    assert response.status_code == 200
    assert "app-refresh" in response.cookies
