"""
The emails the accounts app sends, and when they leave.

Messages are handed to a background task (``accounts.tasks.mail_send``, run by
the tasks worker), never sent by the process that answers the request. A view
that sends mail collects the messages in an *outbox* and hands them to an
``OutboxResponse``, which enqueues them after the server has sent the response
(WSGI and ASGI servers call ``close()`` then). Neither the client's wait nor
the next request on the same worker therefore depends on whether a message was
due, which is what keeps password reset and registration from telling, by
their timing, whether an account exists. Without an outbox (the shell, a
command) messages are enqueued when the current transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from rest_framework.response import Response

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deferred:
    """A task to enqueue with the outbox, in place of a message built now."""

    task: Any
    kwargs: dict[str, Any]


Outbox = list[EmailMessage | Deferred]


def mail_build(*, to: str, template: str, context: dict[str, Any]) -> EmailMessage:
    """Render ``accounts/email/<template>_subject.txt`` and ``..._body.txt``."""
    prefix = f"accounts/email/{template}"
    subject = render_to_string(f"{prefix}_subject.txt", context)
    body = render_to_string(f"{prefix}_body.txt", context)
    # A subject is one line: a newline in it would forge headers.
    subject = " ".join(subject.split())
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def mail_queue(
    *, message: EmailMessage | Deferred, outbox: Outbox | None = None
) -> None:
    """Put *message* in *outbox*, or enqueue it once the transaction commits."""
    if outbox is not None:
        outbox.append(message)
    else:
        transaction.on_commit(lambda: mail_deliver(messages=[message]))


def mail_deliver(*, messages: Iterable[EmailMessage | Deferred]) -> None:
    """
    Enqueue *messages* for the tasks worker; a failure to enqueue is logged,
    never raised (the answer is gone).
    """
    for message in messages:
        try:
            _enqueue(message)
        except Exception:
            logger.exception("could not enqueue %r", message)


def _enqueue(message: EmailMessage | Deferred) -> None:
    from accounts.tasks import mail_send

    if isinstance(message, Deferred):
        message.task.enqueue(**message.kwargs)
        return
    mail_send.enqueue(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email,
        to=list(message.to),
    )


class OutboxResponse(Response):
    """A DRF response that enqueues its outbox once the server has delivered it."""

    def __init__(self, *args: Any, outbox: Outbox, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox = outbox

    def close(self) -> None:
        # Django documents close() as called by the server at the end of the
        # request, after the body was sent.
        try:
            outbox, self.outbox = self.outbox, []
            mail_deliver(messages=outbox)
        finally:
            super().close()
