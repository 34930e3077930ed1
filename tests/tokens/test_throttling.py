"""
Abuse resistance: throttles with Retry-After, no account enumeration at login,
and security events logged without secrets.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from http import HTTPStatus

from django.contrib.auth.hashers import MD5PasswordHasher
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tokens.throttles import ScopedThrottle

LOGIN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast) that counts how often a password is hashed."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


def attempt(client, email: str, password: str = "wrong password", ip="10.0.0.1"):
    return client.post(
        LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def assert_throttled(response) -> None:
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()


def test_login_is_throttled_per_client_ip(rates, api_client, make_user):
    """One client trying many accounts is stopped by login_ip."""
    rates(login_ip="3/min")
    for n in range(3):
        assert attempt(api_client, f"nobody{n}@example.com").status_code == 401
    assert_throttled(attempt(api_client, "nobody9@example.com"))
    assert attempt(api_client, "nobody9@example.com", ip="10.0.0.2").status_code == 401


def test_guessing_from_one_client_does_not_lock_the_user_out(rates, api_client, user):
    """login_account_ip stops the guesser; the real user elsewhere signs in."""
    rates(login_account_ip="3/min", login_account="10/min")
    for _ in range(3):
        assert attempt(api_client, user.email).status_code == 401
    assert_throttled(attempt(api_client, user.email))
    assert_throttled(attempt(api_client, user.email.upper()))  # same account
    real = attempt(api_client, user.email, PASSWORD, ip="192.0.2.7")
    assert real.status_code == HTTPStatus.OK


def test_distributed_guessing_hits_the_account_ceiling(
    rates, api_client, user, make_user
):
    """login_account caps one account across clients; other accounts are unaffected."""
    rates(login_account="4/min")
    for n in range(4):
        assert attempt(api_client, user.email, ip=f"10.0.1.{n}").status_code == 401
    assert_throttled(attempt(api_client, user.email, ip="10.0.1.99"))
    other = make_user()
    assert attempt(api_client, other.email, PASSWORD, ip="10.0.1.99").status_code == 200


def test_every_window_ends_by_itself(rates, api_client, user, monkeypatch):
    """No lock is permanent: once the window has passed the user signs in again."""
    rates(login_account="2/min")
    for n in range(2):
        attempt(api_client, user.email, ip=f"10.0.2.{n}")
    assert_throttled(attempt(api_client, user.email, PASSWORD, ip="192.0.2.1"))
    later = time.time() + 61
    monkeypatch.setattr(ScopedThrottle, "timer", lambda self: later)
    ok = attempt(api_client, user.email, PASSWORD, ip="192.0.2.1")
    assert ok.status_code == HTTPStatus.OK


def test_refresh_is_throttled_per_client_ip(rates, api_client):
    rates(refresh_ip="2/min")
    for _ in range(2):
        response = api_client.post(REFRESH, {"refresh": "x.y.z"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert_throttled(api_client.post(REFRESH, {"refresh": "x.y.z"}, format="json"))


def test_login_does_not_reveal_whether_an_account_exists(settings, make_user):
    """Unknown email, wrong password, inactive user: one answer, same hashing work."""
    settings.PASSWORD_HASHERS = ["tests.tokens.test_throttling.CountingHasher"]
    user = make_user()
    inactive = make_user(is_active=False)
    client = APIClient()
    answers, work = [], []
    for email, password in [
        ("nobody@example.com", PASSWORD),
        (user.email, "wrong password"),
        (inactive.email, PASSWORD),
    ]:
        CountingHasher.calls = 0
        response = attempt(client, email, password)
        answers.append((response.status_code, response.json()))
        work.append(CountingHasher.calls)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == HTTPStatus.UNAUTHORIZED
    assert work[0] >= 1, "the hasher must run for an unknown account"
    assert work[0] == work[1] == work[2]


def test_security_events_are_logged_without_secrets(
    settings, rates, api_client, user, caplog, django_capture_on_commit_callbacks
):
    """Failed login, reuse, revocation, throttling: logged, without any secret."""
    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}
    rates(login_account_ip="2/min")
    caplog.set_level(logging.INFO, logger="tokens.security")
    secrets_seen = ["wrong password", PASSWORD]

    with django_capture_on_commit_callbacks(execute=True):
        attempt(api_client, user.email)
        pair = attempt(api_client, user.email, PASSWORD, ip="192.0.2.1").json()
        rotated = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        reused = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        assert reused.status_code == HTTPStatus.UNAUTHORIZED
        second = attempt(api_client, user.email, PASSWORD, ip="192.0.2.1").json()
        api_client.post(LOGOUT, {"refresh": second["refresh"]}, format="json")
        attempt(api_client, user.email)
        assert_throttled(attempt(api_client, user.email))
    secrets_seen += [*pair.values(), *rotated.json().values(), *second.values()]

    records = [r for r in caplog.records if r.name == "tokens.security"]
    events = {getattr(r, "event", None) for r in records}
    assert {"login_failed", "reuse_detected", "session_revoked", "throttled"} <= events
    for record in caplog.records:
        text = " ".join([record.getMessage(), *map(str, vars(record).values())])
        for secret in secrets_seen:
            assert secret not in text, (record.name, getattr(record, "event", None))
        assert "eyJ" not in text  # no JWT of any kind
