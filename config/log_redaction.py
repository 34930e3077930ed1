"""
Keep the secrets of links and headers out of logs: gunicorn's access log
(``config/gunicorn.conf.py``) and the records Django logs (``config.settings``).

A reset or verification link carries its token in the path
(``/reset/<uid>/<token>/``, ``/verify/<uid>/<token>/``) and works until it is
used: a copy in a log is a copy of the link. This module imports nothing from
Django, so gunicorn's master can load it before the application.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

# The token segment of the link pages (config/urls.py); the reset page's own
# tokenless address, set-password, stays readable.
_LINK_TOKEN = re.compile(
    r"(/(?:reset|verify)/[^/?#\s\"]+/)(?!set-password/)[^/?#\s\"]+"
)
# A query parameter that names a secret, whatever page it is sent to.
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;](?:[a-z0-9_.-]*token|refresh|access|password|secret|code|key)=)"
    r"[^&;#\s\"]*"
)
# A compact JWS anywhere ("eyJ" is '{"'), as tokens.security redacts.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
# Request and response headers and environ keys that carry credentials.
SECRET_HEADERS = frozenset(
    {"authorization", "cookie", "set-cookie", "proxy-authorization"}
)


def redact(text: str) -> str:
    """Return *text* (a path, request line, query string or URL) without secrets."""
    text = _LINK_TOKEN.sub(rf"\1{REDACTED}", text)
    text = _SECRET_PARAMETER.sub(rf"\1{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


def redact_query(query: str) -> str:
    """Return a bare query string (no ``?``) without the values of secret names."""
    return redact(f"?{query}")[1:] if query else query


def _header_name(atom: str) -> str:
    # gunicorn's atoms: "{name}i", "{name}o" for headers, "{http_name}e" for environ.
    name = atom[1:-2] if atom.startswith("{") else atom
    return name.removeprefix("http_").replace("_", "-")


def redact_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    """Return gunicorn's access-log *atoms* with every secret replaced."""
    clean: dict[str, Any] = {}
    for name, value in atoms.items():
        if not isinstance(value, str):
            clean[name] = value
        elif name.startswith("{") and _header_name(name) in SECRET_HEADERS:
            clean[name] = REDACTED
        elif name == "q" or name == "{query_string}e":
            clean[name] = redact_query(value)
        else:
            clean[name] = redact(value)
    return clean


class RedactingFilter(logging.Filter):
    """A logging filter that removes link tokens and JWTs from a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
