"""Steps the browser tests share: the mail a flow sends, and its links."""

from __future__ import annotations

import re
import time

from django.core import mail

RESET_LINK = re.compile(r"https?://\S+/reset/[^/\s]+/[^/\s]+/")
VERIFY_LINK = re.compile(r"https?://\S+/verify/[^/\s]+/[^/\s]+/")


def wait_for_mail(to: str, count: int = 1, timeout: float = 10.0):
    """
    Return the *count*-th message sent to *to*. The live server enqueues mail
    after its response, and the test settings' immediate task backend sends it
    there and then, into the locmem outbox this process shares.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = [m for m in mail.outbox if m.to == [to]]
        if len(messages) >= count:
            return messages[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"no message #{count} to {to}: {mail.outbox!r}")


def link_in(message, pattern: re.Pattern, base_url: str) -> str:
    """The link of *pattern* in *message*, pointed at the live server."""
    match = pattern.search(message.body)
    assert match, message.body
    path = "/" + match.group(0).split("/", 3)[3]
    return base_url + path
