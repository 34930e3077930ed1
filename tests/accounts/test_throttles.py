from http import HTTPStatus

import pytest

from tests.accounts.conftest import STRONG_PASSWORD
from tests.conftest import PASSWORD

REGISTER = "/api/accounts/register/"
RESET = "/api/accounts/password-reset/"
CONFIRM = "/api/accounts/password-reset/confirm/"


def post(client, path, data, ip="10.0.0.1"):
    return client.post(path, data, format="json", REMOTE_ADDR=ip)


def assert_throttled(response):
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()


@pytest.mark.django_db
def test_registration_is_throttled_per_client_ip(rates, api_client):
    rates(register_ip="2/hour")
    for n in range(2):
        response = post(
            api_client,
            REGISTER,
            {"email": f"u{n}@example.com", "password": STRONG_PASSWORD},
        )
        assert response.status_code == HTTPStatus.CREATED
    assert_throttled(
        post(
            api_client,
            REGISTER,
            {"email": "u9@example.com", "password": STRONG_PASSWORD},
        )
    )
    other_ip = post(
        api_client,
        REGISTER,
        {"email": "u9@example.com", "password": STRONG_PASSWORD},
        ip="10.0.0.2",
    )
    assert other_ip.status_code == HTTPStatus.CREATED


@pytest.mark.django_db
def test_reset_requests_are_throttled_per_client_ip(rates, api_client):
    """One client asking for many addresses is stopped, whatever the addresses."""
    rates(password_reset_ip="3/hour")
    for n in range(3):
        assert post(api_client, RESET, {"email": f"u{n}@example.com"}).status_code == (
            HTTPStatus.ACCEPTED
        )
    assert_throttled(post(api_client, RESET, {"email": "u9@example.com"}))


@pytest.mark.parametrize("exists", [True, False], ids=["known", "unknown"])
def test_reset_requests_are_throttled_per_address(rates, api_client, user, exists):
    """
    Many clients asking for one address are stopped too (the owner's mailbox is
    not flooded), in the same way whether or not the address has an account.
    """
    rates(password_reset_account="2/hour")
    email = user.email if exists else "nobody@example.com"
    for n in range(2):
        response = post(api_client, RESET, {"email": email}, ip=f"10.0.1.{n}")
        assert response.status_code == HTTPStatus.ACCEPTED
    assert_throttled(post(api_client, RESET, {"email": email.upper()}, ip="10.0.2.1"))
    other = post(
        api_client, RESET, {"email": "someone.else@example.com"}, ip="10.0.2.1"
    )
    assert other.status_code == HTTPStatus.ACCEPTED


@pytest.mark.django_db
def test_reset_confirmations_count_against_the_client_ip(rates, api_client):
    rates(password_reset_ip="2/hour")
    data = {"uid": "MQ", "token": "x-y", "new_password": STRONG_PASSWORD}
    for _ in range(2):
        assert post(api_client, CONFIRM, data).status_code == HTTPStatus.BAD_REQUEST
    assert_throttled(post(api_client, CONFIRM, data))


def test_current_password_checks_are_throttled_per_account(rates, user, signed_in):
    """A stolen access token cannot guess the password faster than a login could."""
    rates(login_account="2/min")
    client = signed_in(user)
    wrong = {"current_password": "guess number one", "new_password": STRONG_PASSWORD}
    for _ in range(2):
        response = client.post("/api/accounts/me/password/", wrong, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
    assert_throttled(
        client.delete("/api/accounts/me/", {"password": PASSWORD}, format="json")
    )
    assert client.get("/api/accounts/me/").status_code == HTTPStatus.OK
