"""The pages the account mails link to: reset and verification."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.contrib.sessions.models import Session as BrowserSession

from accounts.models import User
from accounts.pages import RESET_COOKIE

pytestmark = pytest.mark.django_db


def page_config(response) -> dict:
    text = response.content.decode()
    return json.loads(
        text.split('id="demo-config" type="application/json">')[1].split("</script>")[0]
    )


def test_the_reset_link_moves_its_token_out_of_the_url(client):
    """As Django's own reset view: the token leaves the URL for the next page."""
    response = client.get("/reset/MTIz/abc-123/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/reset/MTIz/set-password/"
    cookie = response.cookies[RESET_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/reset/MTIz/set-password/"
    page = client.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert "no-cache" in page["Cache-Control"]
    config = page_config(page)
    assert (config["uid"], config["token"]) == ("MTIz", "abc-123")
    assert config["urls"]["resetConfirm"] == "/api/accounts/password-reset/confirm/"
    assert '<meta name="referrer" content="no-referrer">' in page.content.decode()


@pytest.mark.parametrize("link", ["/reset/MTIz/abc-123/", "/verify/MTIz/abc-123/"])
def test_an_anonymous_visit_of_a_link_page_writes_no_session(client, link):
    """Mail scanners and crawlers open links: no session row for each of them."""
    response = client.get(link, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert page_config(response)["token"] == "abc-123"
    assert BrowserSession.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_the_reset_token_cookie_is_signed(client):
    """A cookie the browser made up is no token: the page shows none."""
    client.cookies[RESET_COOKIE] = "abc-123"
    assert page_config(client.get("/reset/MTIz/set-password/"))["token"] == ""


@pytest.mark.parametrize(
    "link", ["/reset/a;Domain=x/abc-123/", "/reset/MTIz/" + "a" * 129 + "/"]
)
def test_a_malformed_reset_link_is_not_found(client, link):
    response = client.get(link)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert RESET_COOKIE not in response.cookies


def test_the_reset_page_without_a_link_has_no_token(client):
    config = page_config(client.get("/reset/MTIz/set-password/"))
    assert config["token"] == ""


def test_the_default_reset_url_is_this_page(settings):
    assert settings.FRONTEND_RESET_URL.endswith("/reset/{uid}/{token}/")
    assert settings.FRONTEND_VERIFY_URL.endswith("/verify/{uid}/{token}/")


@pytest.mark.parametrize("path", ["/reset/MTIz/abc-123/", "/verify/MTIz/abc-123/"])
def test_the_pages_only_answer_safe_methods(client, path):
    assert client.post(path).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_opening_a_verification_link_changes_nothing(client, make_user):
    """Mail scanners open links: only the page's button verifies."""
    user = make_user()
    response = client.get("/verify/MTIz/abc-123/")
    assert response.status_code == HTTPStatus.OK
    assert page_config(response)["urls"]["verify"] == "/api/accounts/verify-email/"
    assert not User.objects.get(pk=user.pk).email_verified
