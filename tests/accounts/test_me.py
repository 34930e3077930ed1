import re
from http import HTTPStatus

import pytest
from django.core import mail

from accounts.models import User
from tests.conftest import PASSWORD

URL = "/api/accounts/me/"
VERIFY = "/api/accounts/verify-email/"


@pytest.mark.django_db
def test_me_needs_a_token(api_client):
    response = api_client.get(URL)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_shows_the_own_account(make_user, signed_in):
    user = make_user("Me@Example.com", display_name="Me")
    response = signed_in(user).get(URL)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert {k: body[k] for k in ("id", "email", "display_name")} == {
        "id": user.pk,
        "email": "me@example.com",
        "display_name": "Me",
    }
    assert "password" not in body


def test_patch_changes_the_display_name_without_a_password(user, client_of):
    response = client_of.patch(URL, {"display_name": "Renamed"}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["display_name"] == "Renamed"
    user.refresh_from_db()
    assert user.display_name == "Renamed"


def test_changing_the_email_needs_the_current_password(user, client_of):
    """Without it, or with a wrong one, the address stays as it was."""
    missing = client_of.patch(URL, {"email": "new@example.com"}, format="json")
    wrong = client_of.patch(
        URL,
        {"email": "new@example.com", "current_password": "not it at all"},
        format="json",
    )
    for response in (missing, wrong):
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "current_password" in response.json()
    user.refresh_from_db()
    assert user.email != "new@example.com"


def test_changing_the_email_normalises_it_and_tells_the_old_address(
    user, client_of, login, api_client
):
    """The new address waits for its link; the old one signs in meanwhile."""
    old = user.email
    response = client_of.patch(
        URL, {"email": "New@Example.COM", "current_password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert (response.json()["email"], response.json()["pending_email"]) == (
        old,
        "new@example.com",
    )
    # The old address is told; the new one gets a verification link.
    assert [m.to for m in mail.outbox] == [[old], ["new@example.com"]]
    assert "new@example.com" in mail.outbox[0].body
    assert "/verify/" in mail.outbox[1].body
    login(user)  # still signs in with the old address
    uid, token = re.search(
        r"/verify/([^/\s]+)/([^/\s]+)/", mail.outbox[1].body
    ).groups()
    verify = api_client.post(VERIFY, {"uid": uid, "token": token}, format="json")
    assert verify.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert (user.email, user.pending_email) == ("new@example.com", "")
    login(user)  # signs in with the new address


def test_the_same_address_in_another_case_is_no_change(user, client_of):
    """No password is needed, nothing is saved and nobody is told."""
    response = client_of.patch(URL, {"email": user.email.upper()}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["email"] == user.email
    assert mail.outbox == []


@pytest.mark.parametrize("mode", ["none", "optional", "mandatory"])
def test_an_address_of_another_account_gets_the_answer_of_a_free_one(
    make_user, signed_in, settings, mode
):
    """
    No 400 that would tell the address is registered, in any mode: the same
    answer and the same mail to the old address; the taken one gets no link,
    and its account is untouched.
    """
    settings.ACCOUNTS_EMAIL_VERIFICATION = mode
    other = make_user("other@example.com")
    answers, sent = [], []
    for new in ("OTHER@example.com", "free@example.com"):
        user = make_user(email_verified=True)
        mail.outbox.clear()
        response = signed_in(user).patch(
            URL, {"email": new, "current_password": PASSWORD}, format="json"
        )
        body = response.json()
        assert body.pop("pending_email") == new.lower()
        assert body.pop("email") == user.email
        answers.append((response.status_code, sorted(body)))
        sent.append([m.to == [user.email] for m in mail.outbox])
    assert answers[0] == answers[1]
    assert answers[0][0] == HTTPStatus.OK
    assert sent == [[True], [True, False]]  # the old address is told in both
    assert not any(m.to == ["other@example.com"] for m in mail.outbox)
    other.refresh_from_db()
    assert other.email == "other@example.com"
    assert User.objects.filter(email="other@example.com").count() == 1


def test_the_password_is_checked_before_the_address_is(user, make_user, client_of):
    """Without the password, a signed-in client learns nothing about other addresses."""
    make_user("other@example.com")
    taken = client_of.patch(URL, {"email": "other@example.com"}, format="json")
    free = client_of.patch(URL, {"email": "free@example.com"}, format="json")
    assert taken.json() == free.json()
    assert list(taken.json()) == ["current_password"]


def test_patch_refuses_fields_it_does_not_know(user, client_of):
    """``is_staff`` and friends are not silently ignored: 400, nothing changes."""
    response = client_of.patch(URL, {"is_staff": True, "id": 1}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()) == {"is_staff", "id"}
    user.refresh_from_db()
    assert not user.is_staff


def test_put_is_not_allowed(client_of):
    response = client_of.put(URL, {"display_name": "x"}, format="json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


# Deactivation ------------------------------------------------------------------


def test_deactivation_needs_the_password(user, client_of):
    missing = client_of.delete(URL, {}, format="json")
    wrong = client_of.delete(URL, {"password": "not it at all"}, format="json")
    assert missing.status_code == wrong.status_code == HTTPStatus.BAD_REQUEST
    assert "password" in wrong.json()
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("cached", [False, True], ids=["database", "cache"])
def test_deactivation_revokes_every_session_at_once(
    request, cached, user, signed_in, api_client, django_capture_on_commit_callbacks
):
    """
    After DELETE, the account is inactive, the access token in use and those of
    other sessions are refused on the next request, refresh fails, and the
    password no longer signs in.
    """
    if cached:
        request.getfixturevalue("revocation_cache")
    client, other = signed_in(user), signed_in(user)
    assert other.get(URL).status_code == HTTPStatus.OK  # warms the cache

    # The cache is told when the revocation commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(URL, {"password": PASSWORD}, format="json")

    assert response.status_code == HTTPStatus.NO_CONTENT
    user.refresh_from_db()
    assert not user.is_active
    assert client.get(URL).status_code == HTTPStatus.UNAUTHORIZED
    assert other.get(URL).status_code == HTTPStatus.UNAUTHORIZED
    refresh = api_client.post(
        "/api/auth/token/refresh/", {"refresh": other.tokens["refresh"]}, format="json"
    )
    assert refresh.status_code == HTTPStatus.UNAUTHORIZED
    sign_in = api_client.post(
        "/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert sign_in.status_code == HTTPStatus.UNAUTHORIZED


def test_a_deactivated_profile_disappears(make_profile, signed_in, make_user):
    profile = make_profile("public")
    owner = profile.user
    viewer = signed_in(make_user())
    signed_in(owner).delete(URL, {"password": PASSWORD}, format="json")
    assert viewer.get(f"/api/profiles/{owner.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert viewer.get("/api/profiles/").json()["count"] == 0
    assert User.objects.filter(pk=owner.pk).exists()
