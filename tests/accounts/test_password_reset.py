import time
from datetime import timedelta
from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.views import PasswordResetView
from tests.accounts.conftest import STRONG_PASSWORD, reset_link_parts
from tests.conftest import PASSWORD

URL = "/api/accounts/password-reset/"
CONFIRM = "/api/accounts/password-reset/confirm/"


def ask(client, email):
    return client.post(URL, {"email": email}, format="json")


def confirm(client, uid, token, new=STRONG_PASSWORD):
    return client.post(
        CONFIRM, {"uid": uid, "token": token, "new_password": new}, format="json"
    )


def link_for(client, user):
    mail.outbox.clear()
    assert ask(client, user.email).status_code == HTTPStatus.ACCEPTED
    (message,) = mail.outbox
    return reset_link_parts(message.body)


def test_a_known_address_gets_a_link(settings, api_client, user):
    """202, and a mail to the owner with a link built from FRONTEND_RESET_URL."""
    settings.FRONTEND_RESET_URL = "https://app.example/reset/{uid}/{token}/"
    response = ask(api_client, user.email.upper())
    assert response.status_code == HTTPStatus.ACCEPTED
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "https://app.example/reset/" in message.body
    assert "60 minutes" in message.body


@pytest.mark.parametrize("who", ["unknown", "inactive", "no usable password"])
def test_the_answer_is_the_same_when_no_mail_is_sent(who, api_client, user, make_user):
    """Same status and body for an unknown address, and nothing is sent."""
    known = ask(api_client, user.email)
    mail.outbox.clear()
    target = {
        "unknown": lambda: "nobody@example.com",
        "inactive": lambda: make_user(is_active=False).email,
        "no usable password": lambda: make_user(password=None).email,
    }[who]()
    response = ask(api_client, target)
    assert response.status_code == known.status_code == HTTPStatus.ACCEPTED
    assert response.json() == known.json()
    assert response.headers.keys() == known.headers.keys()
    assert mail.outbox == []


class SlowBackend:
    """An email backend that takes a while, as SMTP does."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(0.3)
        mail.outbox.extend(messages)
        return len(messages)


def close_as_the_server_does(response):
    # Outside the test client, request_finished would close the database
    # connection of the test's transaction; the test client avoids it so.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_the_mail_leaves_after_the_response_so_timing_tells_nothing(settings, user, db):
    """
    However slow the mail server, the answer for a known address is ready
    before any mail is sent; the server sends it when it closes the response.
    """
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    view = PasswordResetView.as_view()
    timings = {}
    for email in (user.email, "nobody@example.com"):
        request = RequestFactory().post(
            URL, {"email": email}, content_type="application/json"
        )
        started = time.perf_counter()
        response = view(request)
        response.render()
        timings[email] = time.perf_counter() - started
        assert response.status_code == HTTPStatus.ACCEPTED
        assert mail.outbox == []
        close_as_the_server_does(response)
        if email == user.email:
            assert [m.to for m in mail.outbox] == [[user.email]]
            mail.outbox.clear()
    assert max(timings.values()) < 0.3
    assert mail.outbox == []


def test_a_failing_mail_server_does_not_break_the_answer(settings, api_client, user):
    settings.EMAIL_BACKEND = "no.such.Backend"
    assert ask(api_client, user.email).status_code == HTTPStatus.ACCEPTED


# Confirm -----------------------------------------------------------------------


def test_the_link_sets_the_new_password(api_client, user, login):
    uid, token = link_for(api_client, user)
    assert confirm(api_client, uid, token).status_code == HTTPStatus.NO_CONTENT
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    login(user, password=STRONG_PASSWORD)


def test_a_reset_ends_every_session(
    api_client, user, signed_in, django_capture_on_commit_callbacks
):
    session = signed_in(user)
    assert session.get("/api/accounts/me/").status_code == HTTPStatus.OK
    uid, token = link_for(api_client, user)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(api_client, uid, token)
    assert session.get("/api/accounts/me/").status_code == HTTPStatus.UNAUTHORIZED


def test_the_link_works_once(api_client, user):
    uid, token = link_for(api_client, user)
    assert confirm(api_client, uid, token).status_code == HTTPStatus.NO_CONTENT
    again = confirm(api_client, uid, token, new="another long passphrase")
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert "token" in again.json()
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_any_password_change_kills_the_link(api_client, user, client_of):
    uid, token = link_for(api_client, user)
    client_of.post(
        "/api/accounts/me/password/",
        {"current_password": PASSWORD, "new_password": "changed meanwhile!"},
        format="json",
    )
    assert confirm(api_client, uid, token).status_code == HTTPStatus.BAD_REQUEST


def _at(moment):
    return mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=moment)


@pytest.mark.parametrize(
    ("later", "status"),
    [
        (timedelta(minutes=59), HTTPStatus.NO_CONTENT),
        (timedelta(minutes=61), HTTPStatus.BAD_REQUEST),
    ],
)
def test_the_link_expires_after_an_hour(api_client, user, later, status):
    """PASSWORD_RESET_TIMEOUT is one hour."""
    now = timezone.now().replace(tzinfo=None)
    with _at(now):
        uid, token = link_for(api_client, user)
    with _at(now + later):
        assert confirm(api_client, uid, token).status_code == status


def test_a_weak_password_keeps_the_link_usable(api_client, user):
    uid, token = link_for(api_client, user)
    weak = confirm(api_client, uid, token, new="short")
    assert weak.status_code == HTTPStatus.BAD_REQUEST
    assert "new_password" in weak.json()
    assert confirm(api_client, uid, token).status_code == HTTPStatus.NO_CONTENT


def test_the_link_of_a_deactivated_account_is_dead(api_client, user):
    uid, token = link_for(api_client, user)
    user.is_active = False
    user.save()
    assert confirm(api_client, uid, token).status_code == HTTPStatus.BAD_REQUEST


def b64(text: str) -> str:
    return urlsafe_base64_encode(force_bytes(text))


@pytest.mark.parametrize(
    "uid",
    [
        "",
        "%%%",
        "not base64!",
        b64("abc"),
        b64("-1"),
        b64("1" * 30),
        b64("1" * 17),
        b64("12\x0034"),
        urlsafe_base64_encode(b"\xff\xfe"),
        b64("٣٤٥"),
    ],
)
def test_malformed_uids_are_an_invalid_link_not_an_error(api_client, user, uid):
    """Huge numbers, non-digits and undecodable uids are a 400, never a 500."""
    response = confirm(api_client, uid, "whatever-token")
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_the_token_of_another_user_does_not_work(api_client, user, make_user):
    other = make_user()
    _, token = link_for(api_client, user)
    uid = b64(str(other.pk))
    assert confirm(api_client, uid, token).status_code == HTTPStatus.BAD_REQUEST
