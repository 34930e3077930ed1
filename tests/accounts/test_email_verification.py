"""Email verification: none / optional / mandatory, as django-allauth offers it."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.models import User
from tests.accounts.conftest import STRONG_PASSWORD
from tests.conftest import PASSWORD

REGISTER = "/api/accounts/register/"
LOGIN = "/api/auth/token/"
VERIFY = "/api/accounts/verify-email/"
RESEND = "/api/accounts/verify-email/resend/"
ME = "/api/accounts/me/"
LINK = re.compile(r"/verify/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")

pytestmark = pytest.mark.django_db


@pytest.fixture
def mandatory(settings) -> None:
    settings.ACCOUNTS_EMAIL_VERIFICATION = "mandatory"


def register(client, email: str, password: str = STRONG_PASSWORD):
    response = client.post(
        REGISTER, {"email": email, "password": password}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED, response.content
    return response


def sign_in(client, email: str, password: str = STRONG_PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def link_in(message) -> dict[str, str]:
    match = LINK.search(message.body)
    assert match, message.body
    return match.groupdict()


def last_link(to: str) -> dict[str, str]:
    (message,) = [m for m in mail.outbox if m.to == [to]][-1:]
    return link_in(message)


def test_mandatory_refuses_sign_in_until_the_link_is_followed(api_client, mandatory):
    """401 ``email_unverified`` before the link; tokens after it."""
    register(api_client, "new@example.com")
    refused = sign_in(api_client, "new@example.com")
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused.json()["code"] == "email_unverified"

    verified = api_client.post(VERIFY, last_link("new@example.com"), format="json")
    assert verified.status_code == HTTPStatus.OK
    assert User.objects.get(email="new@example.com").email_verified
    signed_in = sign_in(api_client, "new@example.com")
    assert signed_in.status_code == HTTPStatus.OK
    assert set(signed_in.json()) >= {"access", "refresh"}


def test_mandatory_still_answers_a_wrong_password_as_before(api_client, mandatory):
    register(api_client, "new@example.com")
    response = sign_in(api_client, "new@example.com", "not the password at all")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "no_active_account"


def test_mandatory_sign_in_does_not_tell_a_taken_address(api_client, mandatory, user):
    """
    Registering a taken address, then signing in with the password just chosen,
    answers exactly as for a new, unverified account: the probe tells nothing.
    """
    register(api_client, user.email, password=STRONG_PASSWORD)
    register(api_client, "fresh@example.com", password=STRONG_PASSWORD)
    taken = sign_in(api_client, user.email)
    fresh = sign_in(api_client, "fresh@example.com")
    assert taken.status_code == fresh.status_code == HTTPStatus.UNAUTHORIZED
    assert taken.json() == fresh.json()
    assert taken.json()["code"] == "email_unverified"
    assert dict(taken.headers).keys() == dict(fresh.headers).keys()
    # The owner still signs in with their own password.
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    assert sign_in(api_client, user.email, PASSWORD).status_code == HTTPStatus.OK


class CountingHasher(MD5PasswordHasher):
    """Django's MD5 hasher, counting the passwords it hashes or checks."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def test_both_refusals_cost_the_same_hashing(api_client, mandatory, settings, user):
    """The taken address and the new account run the hasher as often."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    register(api_client, user.email, password=STRONG_PASSWORD)
    register(api_client, "fresh@example.com", password=STRONG_PASSWORD)
    costs = []
    for email in (user.email, "fresh@example.com"):
        CountingHasher.calls = 0
        assert sign_in(api_client, email).status_code == HTTPStatus.UNAUTHORIZED
        costs.append(CountingHasher.calls)
    assert costs[0] == costs[1] == 2


def test_optional_lets_an_unverified_account_sign_in(api_client, settings):
    settings.ACCOUNTS_EMAIL_VERIFICATION = "optional"
    register(api_client, "new@example.com")
    response = sign_in(api_client, "new@example.com")
    assert response.status_code == HTTPStatus.OK
    me = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.json()["email_verified"] is False


def test_none_sends_no_link(api_client, settings):
    settings.ACCOUNTS_EMAIL_VERIFICATION = "none"
    register(api_client, "new@example.com")
    assert not LINK.search(mail.outbox[0].body)


def test_the_link_works_once(api_client):
    register(api_client, "new@example.com")
    link = last_link("new@example.com")
    assert api_client.post(VERIFY, link, format="json").status_code == HTTPStatus.OK
    again = api_client.post(VERIFY, link, format="json")
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert list(again.json()) == ["token"]


def test_the_link_expires(api_client, settings):
    register(api_client, "new@example.com")
    settings.ACCOUNTS_EMAIL_VERIFICATION_TIMEOUT = timedelta(seconds=-1)
    response = api_client.post(VERIFY, last_link("new@example.com"), format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not User.objects.get(email="new@example.com").email_verified


def test_a_reset_token_is_not_a_verification_token(api_client, user):
    """The generators have their own salts: one link cannot stand for the other."""
    user.email_verified = False
    user.save(update_fields=["email_verified"])
    api_client.post(
        "/api/accounts/password-reset/", {"email": user.email}, format="json"
    )
    match = re.search(r"/reset/([^/\s]+)/([^/\s]+)/", mail.outbox[-1].body)
    forged = {"uid": match.group(1), "token": match.group(2)}
    response = api_client.post(VERIFY, forged, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("uid", ["", "!!", "MTIz", "x" * 64])
def test_malformed_links_are_a_400(api_client, uid):
    response = api_client.post(VERIFY, {"uid": uid, "token": "1-2"}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("who", ["unverified", "verified", "unknown"])
def test_resend_answers_alike_and_mails_only_the_unverified(api_client, make_user, who):
    make_user("unverified@example.com")
    make_user("verified@example.com", email_verified=True)
    response = api_client.post(RESEND, {"email": f"{who}@example.com"}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED
    assert response.json()["detail"].startswith("If this address has an account")
    expected = [["unverified@example.com"]] if who == "unverified" else []
    assert [m.to for m in mail.outbox] == expected
    if who == "unverified":
        link = link_in(mail.outbox[0])
        assert api_client.post(VERIFY, link, format="json").status_code == 200


def test_resend_is_throttled_per_address(api_client, settings, user):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "email_verification_account": "2/hour"},
    }
    answers = [
        api_client.post(RESEND, {"email": user.email}, format="json").status_code
        for _ in range(3)
    ]
    assert answers == [HTTPStatus.ACCEPTED, HTTPStatus.ACCEPTED, 429]


def test_resend_refuses_bad_input_in_drf_shape(api_client):
    response = api_client.post(RESEND, {"email": "not an address"}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()) == ["email"]


def test_mandatory_change_of_address_waits_for_its_link(
    api_client, mandatory, make_user, signed_in
):
    """The new address is pending until verified; the old one signs in meanwhile."""
    user = make_user("old@example.com", email_verified=True)
    client = signed_in(user)
    response = client.patch(
        ME, {"email": "new@example.com", "current_password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert (response.json()["email"], response.json()["pending_email"]) == (
        "old@example.com",
        "new@example.com",
    )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "new@example.com",
        "old@example.com",
    ]
    assert sign_in(api_client, "old@example.com", PASSWORD).status_code == 200

    link = last_link("new@example.com")
    mail.outbox.clear()
    assert api_client.post(VERIFY, link, format="json").status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert (user.email, user.pending_email, user.email_verified) == (
        "new@example.com",
        "",
        True,
    )
    assert [m.to for m in mail.outbox] == [["old@example.com"]]  # told it is done
    assert sign_in(api_client, "new@example.com", PASSWORD).status_code == 200
    assert api_client.post(VERIFY, link, format="json").status_code == 400


def test_a_pending_address_taken_meanwhile_is_refused(
    api_client, mandatory, make_user, signed_in
):
    user = make_user("old@example.com", email_verified=True)
    signed_in(user).patch(
        ME, {"email": "new@example.com", "current_password": PASSWORD}, format="json"
    )
    link = last_link("new@example.com")
    make_user("new@example.com")
    response = api_client.post(VERIFY, link, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()) == ["email"]
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_an_unverified_admin_login_is_refused_not_an_error(
    client, mandatory, make_user
):
    make_user("staff@example.com", is_staff=True)
    response = client.post(
        "/admin/login/", {"username": "staff@example.com", "password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.OK  # the form again, with its error
    assert "_auth_user_id" not in client.session


def test_superusers_start_verified(db):
    admin = User.objects.create_superuser("root@example.com", PASSWORD)
    assert admin.email_verified


def test_an_unknown_mode_is_a_system_check_error(settings):
    settings.ACCOUNTS_EMAIL_VERIFICATION = "sometimes"
    with pytest.raises(SystemCheckError, match="accounts.E001"):
        call_command("check")
