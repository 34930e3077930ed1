"""
Mail through the tasks framework's database backend and its real worker
(``manage.py db_worker --batch``): requests only enqueue, the worker sends.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tests.accounts.conftest import STRONG_PASSWORD

# The worker closes its database connections as a real one does, which a
# test inside a transaction would not survive on PostgreSQL: these commit.
pytestmark = pytest.mark.django_db(transaction=True)

RESET = "/api/accounts/password-reset/"


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def queued() -> list[tuple[str, dict]]:
    return [
        (row.task_path, row.args_kwargs["kwargs"])
        for row in DBTaskResult.objects.order_by("enqueued_at")
    ]


def test_a_reset_enqueues_the_same_task_for_any_address(
    api_client, user, database_tasks
):
    """Known or unknown, the request leaves one identical task and sends nothing."""
    for email in (user.email, "nobody@example.com"):
        response = api_client.post(RESET, {"email": email}, format="json")
        assert response.status_code == HTTPStatus.ACCEPTED
    assert queued() == [
        ("accounts.tasks.password_reset_mail", {"email": user.email}),
        ("accounts.tasks.password_reset_mail", {"email": "nobody@example.com"}),
    ]
    assert mail.outbox == []
    run_worker()
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "/reset/" in mail.outbox[0].body
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_no_usable_link_waits_in_the_queue(api_client, database_tasks):
    """The verification link is made by the worker: the queued row has no token."""
    response = api_client.post(
        "/api/accounts/register/",
        {"email": "new@example.com", "password": "a long and unguessable passphrase"},
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED
    ((path, kwargs),) = queued()
    assert path == "accounts.tasks.registration_mail"
    assert set(kwargs) == {"user_id", "email"}
    run_worker()
    (message,) = mail.outbox
    assert "/verify/" in message.body


def test_a_link_for_an_address_no_longer_waiting_is_not_sent(
    api_client, database_tasks, make_user
):
    """Verified before the worker ran: the queued link would be stale, so it stays."""
    user = make_user("late@example.com")
    api_client.post(
        "/api/accounts/verify-email/resend/", {"email": user.email}, format="json"
    )
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    run_worker()
    assert mail.outbox == []


def test_a_failing_mail_server_fails_the_task_not_the_request(
    api_client, user, database_tasks, settings
):
    settings.EMAIL_BACKEND = "no.such.Backend"
    response = api_client.post(RESET, {"email": user.email}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED
    run_worker()
    assert DBTaskResult.objects.get().status == "FAILED"


REGISTER = "/api/accounts/register/"
RESEND = "/api/accounts/verify-email/resend/"


class CountingHasher(MD5PasswordHasher):
    """The suite's hasher, counting how often a password is hashed."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def request_work(client, path: str, body: dict) -> tuple:
    """What a request left behind: status, body keys, hashing, queued tasks."""
    DBTaskResult.objects.all().delete()
    CountingHasher.calls = 0
    response = client.post(path, body, format="json")
    tasks = [(task, sorted(kwargs)) for task, kwargs in queued()]
    return response.status_code, sorted(response.json()), CountingHasher.calls, tasks


@pytest.mark.parametrize("mode", ["none", "optional", "mandatory"])
def test_a_registration_leaves_the_same_work_whatever_the_address(
    api_client, make_user, database_tasks, settings, mode
):
    """
    New, taken and taken-but-unverified addresses: the same answer, one hash,
    one task with the same arguments, and no mail sent by the request itself.
    """
    settings.ACCOUNTS_EMAIL_VERIFICATION = mode
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    make_user("verified@example.com", email_verified=True)
    make_user("unverified@example.com", email_verified=False)
    work = [
        request_work(
            api_client, REGISTER, {"email": email, "password": STRONG_PASSWORD}
        )
        for email in (
            "new@example.com",
            "verified@example.com",
            "unverified@example.com",
        )
    ]
    assert work[0] == work[1] == work[2]
    assert work[0] == (
        HTTPStatus.CREATED,
        ["email", "id"],
        1,
        [("accounts.tasks.registration_mail", ["email", "user_id"])],
    )
    assert mail.outbox == []


def test_the_registration_task_mails_the_new_account_or_the_owner(
    api_client, user, database_tasks
):
    for email in ("new@example.com", user.email):
        api_client.post(
            REGISTER, {"email": email, "password": STRONG_PASSWORD}, format="json"
        )
    run_worker()
    new, notice = sorted(mail.outbox, key=lambda m: m.to != ["new@example.com"])
    assert new.to == ["new@example.com"] and "/verify/" in new.body
    assert notice.to == [user.email]
    assert "tried to create a new account" in notice.body


def test_a_resend_leaves_the_same_work_whatever_the_address(
    api_client, make_user, database_tasks
):
    """Unknown, verified and unverified: one identical task, looked up by the worker."""
    make_user("verified@example.com", email_verified=True)
    make_user("unverified@example.com", email_verified=False)
    work = [
        request_work(api_client, RESEND, {"email": f"{who}@example.com"})
        for who in ("unknown", "verified", "unverified")
    ]
    assert work[0] == work[1] == work[2]
    assert work[0][3] == [("accounts.tasks.email_verification_resend_mail", ["email"])]
    assert mail.outbox == []
    run_worker()
    assert [m.to for m in mail.outbox] == [["unverified@example.com"]]
