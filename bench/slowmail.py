"""A mail backend that takes as long as a remote SMTP exchange, then drops the mail."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend

# A connection, EHLO, MAIL, RCPT, DATA and QUIT to a mail server a few
# milliseconds away: about 20 ms.
DELAY = float(os.environ.get("BENCH_MAIL_DELAY", "0.020"))


class SlowEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        time.sleep(DELAY * len(email_messages))
        return len(email_messages)
