"""The site's own suite: it must pass unchanged before and after the switch."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

PASSWORD = "conduit password 123"


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def jake(db):
    return User.objects.create_user("jake", "jake@jake.jake", PASSWORD)


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def test_system_checks_pass(db):
    call_command("check", fail_level="ERROR")


def test_login_returns_a_working_token(client, jake):
    response = client.post(
        "/api/users/login",
        {"user": {"username": "jake", "password": PASSWORD}},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["user"]["token"]
    me = client.get("/api/user", **auth(token))
    assert me.status_code == 200
    assert me.json() == {"user": {"username": "jake", "email": "jake@jake.jake"}}


def test_login_with_a_wrong_password_is_refused(client, jake):
    response = client.post(
        "/api/users/login",
        {"user": {"username": "jake", "password": "nope"}},
        format="json",
    )
    assert response.status_code == 401


def test_login_token_carries_the_username_claim(client, jake):
    response = client.post(
        "/api/users/login",
        {"user": {"username": "jake", "password": PASSWORD}},
        format="json",
    )
    assert AccessToken(response.json()["user"]["token"])["username"] == "jake"


def test_token_obtain_pair_adds_the_claim_through_get_token(client, jake):
    response = client.post(
        "/api/token/", {"username": "jake", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert AccessToken(body["access"])["username"] == "jake"
    assert RefreshToken(body["refresh"])["username"] == "jake"
    assert client.get("/api/user", **auth(body["access"])).status_code == 200


def test_a_minted_access_token_authenticates(client, jake):
    token = AccessToken.for_user(jake)
    assert client.get("/api/user", **auth(token)).status_code == 200


def test_refresh_for_user_access_token_authenticates(client, jake):
    refresh = RefreshToken.for_user(jake)
    assert client.get("/api/user", **auth(refresh.access_token)).status_code == 200


def test_tokens_live_seven_days(jake):
    token = AccessToken.for_user(jake)
    assert token["exp"] - token["iat"] == timedelta(days=7).total_seconds()


def test_the_header_type_is_token(client, jake):
    token = AccessToken.for_user(jake)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/user", **bearer).status_code == 401


def test_anonymous_requests_are_refused(client, db):
    assert client.get("/api/user").status_code == 401


def test_a_garbage_token_is_refused(client, db):
    assert client.get("/api/user", **auth("not-a-token")).status_code == 401


def test_articles_are_written_by_the_signed_in_user(client, jake):
    token = AccessToken.for_user(jake)
    created = client.post(
        "/api/articles", {"title": "How to train your dragon"}, **auth(token)
    )
    assert created.status_code == 201
    listed = client.get("/api/articles", **auth(token)).json()
    assert [(a["title"], a["author"]) for a in listed] == [
        ("How to train your dragon", "jake")
    ]
