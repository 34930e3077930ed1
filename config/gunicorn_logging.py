"""gunicorn's logger with the secrets of paths and headers left out of access lines."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from config.log_redaction import redact_atoms


class RedactingLogger(Logger):
    """
    gunicorn's ``Logger`` whose access-log atoms are redacted, whatever
    ``access_log_format`` uses: the token of a reset or verification link in
    the path, secret query parameters, JWTs, and credential headers.
    """

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict:
        return redact_atoms(super().atoms(resp, req, environ, request_time))
