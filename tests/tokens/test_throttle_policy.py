"""
Throttle policy: one bucket per account whatever its spelling, and sign-in
throttles that count failures, not sign-ins.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core import mail

from config import settings as project_settings
from tests.conftest import PASSWORD
from tokens.throttles import account_canonical, canonical_fold

LOGIN = "/api/auth/token/"
RESET = "/api/accounts/password-reset/"
REGISTER = "/api/accounts/register/"
STRONG_PASSWORD = "a long and unguessable passphrase"

FULLWIDTH_T = "\uff54"  # ｔ
LIGATURE_FI = "\ufb01"  # ﬁ, NFKC "fi"
ROMAN_ONE = "\u2170"  # ⅰ, NFKC "i"; case folding leaves it alone


def attempt(client, email: str, password: str = "wrong password", ip="10.0.0.1"):
    return client.post(
        LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def assert_throttled(response) -> None:
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS, response.json()
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()


def spellings(email: str) -> list[str]:
    """Look-alike spellings that sign-in reads as *email*."""
    return [
        email.upper(),
        email.replace("t", FULLWIDTH_T, 1),
        email.replace("i", ROMAN_ONE, 1),
        f"  {email.title()} ",
    ]


@pytest.fixture
def fiona(make_user):
    return make_user("fiona.throttle@example.com")


def test_look_alike_spellings_sign_in_to_the_same_account(api_client, fiona):
    """The premise: sign-in compares the NFKC, lower-cased address."""
    for spelling in spellings(fiona.email):
        assert attempt(api_client, spelling, PASSWORD).status_code == HTTPStatus.OK


@pytest.mark.parametrize("index", range(4), ids=["case", "fullwidth", "nfkc", "pad"])
def test_look_alike_spellings_share_the_account_bucket(rates, api_client, fiona, index):
    """Once the account's bucket is spent, every spelling of it gets a 429."""
    rates(login_account="3/hour", login_account_ip="100/hour")
    for n in range(3):
        response = attempt(api_client, fiona.email, ip=f"10.0.3.{n}")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
    spelling = spellings(fiona.email)[index]
    assert_throttled(attempt(api_client, spelling, PASSWORD, ip="10.0.3.99"))


def test_look_alike_spellings_share_the_account_and_client_bucket(
    rates, api_client, fiona
):
    rates(login_account_ip="2/hour")
    attempt(api_client, fiona.email.replace("t", FULLWIDTH_T, 1))
    attempt(api_client, fiona.email.upper())
    assert_throttled(attempt(api_client, fiona.email, PASSWORD))


def test_look_alike_spellings_share_the_reset_bucket(rates, api_client, fiona):
    """Reset mails to one address stay within its limit whatever the spelling."""
    rates(password_reset_account="2/hour")
    for spelling in spellings(fiona.email)[:2]:
        response = api_client.post(RESET, {"email": spelling}, format="json")
        assert response.status_code == HTTPStatus.ACCEPTED
    variant = {"email": fiona.email.replace("i", ROMAN_ONE, 1)}
    assert_throttled(api_client.post(RESET, variant, format="json"))


def test_look_alike_registrations_send_one_notice(api_client, fiona):
    """A duplicate registration notice is sent once, whatever the spelling."""
    for spelling in spellings(fiona.email)[:3]:
        data = {"email": spelling, "password": STRONG_PASSWORD}
        response = api_client.post(REGISTER, data, format="json")
        assert response.status_code == HTTPStatus.CREATED
    assert [m.to for m in mail.outbox] == [[fiona.email]]


def test_canonical_form_is_nfkc_and_case_folded_by_default(settings):
    settings.TOKENS = {**settings.TOKENS, "ACCOUNT_NORMALIZER": None}
    assert account_canonical(" ｔHROTTLE@Example.COM ") == "throttle@example.com"
    assert account_canonical("stra\u00dfe@example.com") == "strasse@example.com"
    assert canonical_fold("\ufb01") == "fi"


def test_canonical_form_falls_back_when_the_normalizer_refuses(settings):
    """The project's normaliser refuses non-ASCII: NFKC and folding still key it."""
    settings.TOKENS = {
        **settings.TOKENS,
        "ACCOUNT_NORMALIZER": "accounts.emails.normalize_email",
    }
    assert account_canonical("ＡＢ@example.com") == "ab@example.com"
    assert account_canonical("Zoë@Example.com") == "zoë@example.com"
    assert account_canonical("ZOË@example.com") == "zoë@example.com"


def test_canonical_form_of_a_lone_surrogate_is_plain_case_folding(settings):
    assert account_canonical("A\ud800@x") == "a\ud800@x"


# Failures, not sign-ins ------------------------------------------------------


def test_successful_sign_ins_do_not_use_up_the_account_buckets(rates, api_client, user):
    """Signing in again and again is never a 429 from the account scopes."""
    rates(login_account="2/min", login_account_ip="2/min")
    for _ in range(6):
        assert attempt(api_client, user.email, PASSWORD).status_code == HTTPStatus.OK


def test_failures_use_up_the_account_and_client_bucket(rates, api_client, user):
    """After the failures allowed, even the right password waits (no oracle)."""
    rates(login_account_ip="2/min")
    assert attempt(api_client, user.email, PASSWORD).status_code == HTTPStatus.OK
    for _ in range(2):
        assert attempt(api_client, user.email).status_code == HTTPStatus.UNAUTHORIZED
    assert_throttled(attempt(api_client, user.email, PASSWORD))
    other_client = attempt(api_client, user.email, PASSWORD, ip="192.0.2.9")
    assert other_client.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_failures_for_unknown_accounts_count_alike(rates, api_client):
    """An address with no account is throttled the same way: no enumeration."""
    rates(login_account_ip="2/min")
    for _ in range(2):
        assert attempt(api_client, "nobody@example.com").status_code == 401
    assert_throttled(attempt(api_client, "nobody@example.com"))


def test_the_client_ceiling_counts_every_attempt(rates, api_client, user):
    """login_ip is a ceiling on all attempts of one address, successes included."""
    rates(login_ip="3/min")
    for _ in range(3):
        assert attempt(api_client, user.email, PASSWORD).status_code == HTTPStatus.OK
    assert_throttled(attempt(api_client, user.email, PASSWORD))


def test_the_readme_walkthrough_runs_without_a_429(settings, api_client, user):
    """
    With the shipped rates, a user who signs in, refreshes, signs out and signs
    in again many times, and mistypes once, is never throttled.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": project_settings.REST_FRAMEWORK[
            "DEFAULT_THROTTLE_RATES"
        ],
    }
    assert attempt(api_client, user.email).status_code == HTTPStatus.UNAUTHORIZED
    for _ in range(25):
        pair = attempt(api_client, user.email, PASSWORD).json()
        refreshed = api_client.post(
            "/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
        )
        assert refreshed.status_code == HTTPStatus.OK
        logout = api_client.post(
            "/api/auth/logout/", {"refresh": refreshed.json()["refresh"]}, format="json"
        )
        assert logout.status_code == HTTPStatus.NO_CONTENT


def test_display_name_changes_are_not_password_checks(rates, api_client, user, login):
    """PATCH me/ without a password verifies nothing, so it is not counted."""
    rates(login_account="2/min")
    access = login(user)["access"]
    for n in range(4):
        response = api_client.patch(
            "/api/accounts/me/",
            {"display_name": f"Name {n}"},
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
        assert response.status_code == HTTPStatus.OK
    guess = {"email": "new@example.com", "current_password": "guess guess"}
    for _ in range(2):
        response = api_client.patch(
            "/api/accounts/me/",
            guess,
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
    response = api_client.patch(
        "/api/accounts/me/", guess, format="json", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    assert_throttled(response)
