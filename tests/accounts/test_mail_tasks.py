"""
Mail through the tasks framework's database backend and its real worker
(``manage.py db_worker --batch``): requests only enqueue, the worker sends.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

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
    assert path == "accounts.tasks.email_verification_mail"
    assert set(kwargs) == {"user_id", "address", "change"}
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
