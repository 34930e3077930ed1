"""dj-rest-auth's own views on tokens.contrib.dj_rest_auth, with its cookies."""

from django.urls import reverse

from tests.contrib_sites.conftest import NEW_PASSWORD, PASSWORD
from tokens.models import Session


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
    rotated = client.post(reverse("token_refresh"), {}, format="json")
    assert rotated.status_code == 200, rotated.content
    assert "refresh" not in rotated.json()
    assert rotated.cookies["app-refresh"].value
    access = client.cookies["app-access"].value
    changed = client.post(
        reverse("rest_password_change"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    logout = client.post(reverse("rest_logout"))
    assert logout.status_code == 200, logout.content
    assert logout.cookies["app-access"].value == ""
    assert Session.objects.get().revoked_reason == "logout"
    client.cookies.clear()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    assert client.get(reverse("rest_user_details"), **bearer).status_code == 401


def test_refresh_without_a_cookie_is_401(client, db):
    response = client.post(reverse("token_refresh"), {}, format="json")
    assert response.status_code == 401
