from http import HTTPStatus

import pytest
from django.contrib.auth.tokens import default_token_generator

from tests.accounts.conftest import STRONG_PASSWORD
from tests.conftest import PASSWORD

URL = "/api/accounts/me/password/"
ME = "/api/accounts/me/"


def change(client, current=PASSWORD, new=STRONG_PASSWORD):
    return client.post(
        URL, {"current_password": current, "new_password": new}, format="json"
    )


def test_the_new_password_replaces_the_old(user, client_of, api_client, login):
    assert change(client_of).status_code == HTTPStatus.NO_CONTENT
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    login(user, password=STRONG_PASSWORD)
    old = api_client.post(
        "/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert old.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("cached", [False, True], ids=["database", "cache"])
def test_other_sessions_end_and_this_one_stays(
    request, cached, user, signed_in, django_capture_on_commit_callbacks
):
    """The default policy ("others") keeps the session that made the change."""
    if cached:
        request.getfixturevalue("revocation_cache")
    this, other = signed_in(user), signed_in(user)
    assert other.get(ME).status_code == HTTPStatus.OK
    with django_capture_on_commit_callbacks(execute=True):
        assert change(this).status_code == HTTPStatus.NO_CONTENT
    assert this.get(ME).status_code == HTTPStatus.OK
    assert other.get(ME).status_code == HTTPStatus.UNAUTHORIZED


def test_policy_all_ends_this_session_too(
    settings, user, signed_in, django_capture_on_commit_callbacks
):
    settings.TOKENS = {**settings.TOKENS, "REVOKE_ON_PASSWORD_CHANGE": "all"}
    this = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert change(this).status_code == HTTPStatus.NO_CONTENT
    assert this.get(ME).status_code == HTTPStatus.UNAUTHORIZED


def test_a_wrong_current_password_changes_nothing(user, client_of, signed_in):
    other = signed_in(user)
    response = change(client_of, current="not the password")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["current_password"] == [
        "Your password was entered incorrectly."
    ]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert other.get(ME).status_code == HTTPStatus.OK


@pytest.mark.parametrize("new", ["short", "1234567890", "user1@example.com"])
def test_a_weak_new_password_is_refused(user, client_of, new):
    response = change(client_of, new=new)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "new_password" in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_new_password_is_compared_with_the_users_own_attributes(
    make_user, signed_in
):
    user = make_user("jean.valjean@example.com", display_name="Jean Valjean")
    response = change(signed_in(user), new="jean.valjean")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "similar" in response.json()["new_password"][0]


def test_a_change_kills_outstanding_reset_links(user, client_of):
    """A reset link made before the change no longer works."""
    token = default_token_generator.make_token(user)
    change(client_of)
    user.refresh_from_db()
    assert not default_token_generator.check_token(user, token)


@pytest.mark.django_db
def test_the_endpoint_needs_a_token(api_client):
    assert change(api_client).status_code == HTTPStatus.UNAUTHORIZED
