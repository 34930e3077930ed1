"""
Background work of the accounts app, through Django's tasks framework.

Mail is sent by a worker (``manage.py db_worker``), not by the process that
answered the request: an SMTP exchange on the request worker made the *next*
request it served slower only when a message was due, which told whether a
reset or registration address had an account. Messages that carry a link are
built in the worker, so the queue (a database table) never holds a usable
reset or verification token.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django_tasks import task


@task()
def mail_send(*, subject: str, body: str, from_email: str, to: list[str]) -> None:
    """Send one plain-text message; a failure fails the task, and is logged."""
    EmailMessage(subject, body, from_email, to).send()


@task()
def password_reset_mail(*, email: str) -> None:
    """
    Mail a reset link to *email* if an active account can use one. The request
    only enqueued this, whatever the address: the lookup happens here, so the
    request worker does the same work for every address.
    """
    from accounts.services import password_reset_mail_send

    password_reset_mail_send(email=email)


@task()
def email_verification_mail(*, user_id: int, address: str, change: bool) -> None:
    """
    Mail a verification link for *address* to it. The link is made here, in
    the worker, so that no usable link waits in the task queue's table.
    """
    from accounts.services import email_verification_mail_send

    email_verification_mail_send(user_id=user_id, address=address, change=change)


@task()
def registration_mail(*, user_id: int, email: str) -> None:
    """
    Mail what a registration calls for: the new account's link or welcome, or
    the owner of a taken address a notice. Every registration enqueues this,
    with the same arguments, so the request worker does the same work either way.
    """
    from accounts.services import registration_mail_send

    registration_mail_send(user_id=user_id, email=email)


@task()
def email_verification_resend_mail(*, email: str) -> None:
    """Mail a new verification link to *email* if its account waits for one."""
    from accounts.services import email_verification_resend_send

    email_verification_resend_send(email=email)
