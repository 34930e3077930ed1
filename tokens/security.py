"""
Security events: the one writer of the ``tokens.security`` log.

Every event is one record on the ``tokens.security`` logger whose message is a
short sentence and whose fields are always the same set, so that a log
pipeline can index them:

``event``     what happened (``login_failed``, ``session_created``,
              ``session_revoked``, ``reuse_detected``, ``throttled``,
              ``throttle_degraded``, ``admin_sessions_revoked``,
              ``admin_user_sessions_revoked``, ``client_auth_failed``,
              ``resource_server_created``, ``resource_server_secret_rotated``,
              ``resource_server_deactivated``, ``resource_server_revoked``);
``sid``       the session id, when a session is concerned;
``user_id``   the user the event is about;
``ip``        the client address as DRF resolves it behind ``NUM_PROXIES``
              proxies (the address sessions store);
``actor``     the user who acted, when not the subject (a staff member, the
              user revoking their own session);
``reason``    why (a revocation reason, a throttle scope's refusal);
``jti``       the token id, where one token is concerned.

A field that does not apply is ``None``. Events may add their own fields
(``scope``, ``path``, ``note``, ``client_id``). No token, password, client
secret or email address is ever passed here; as a last guard, a value shaped
like a JWT is replaced.

``ConsoleFormatter`` shows the fields in a development console; production
emits them as JSON (python-json-logger's ``JsonFormatter``, see SECURITY.md,
"Security events").
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from typing import Any

from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("tokens.security")

FIELDS = ("event", "sid", "user_id", "ip", "actor", "reason", "jti")
REDACTED = "[redacted]"
# A compact JWS: a base64url JSON header ("eyJ" is '{"'), two more segments.
_JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.")


def client_ip(request: Any) -> str | None:
    """Return the client address as DRF's throttles see it (honours NUM_PROXIES)."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return REDACTED if _JWT_SHAPE.search(text) else text


def _clean(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if isinstance(value, str | uuid.UUID):
        return _text(value)
    return value


def security_event(
    event: str,
    message: str,
    *,
    level: int = logging.INFO,
    request: Any = None,
    ip: str | None = None,
    sid: Any = None,
    user_id: Any = None,
    actor: Any = None,
    reason: Any = None,
    jti: Any = None,
    **fields: Any,
) -> None:
    """
    Write security event *event* with *message* and its fields.

    The client address is *ip*, or else resolved from *request*. A ``jti`` is
    written as the token carries it (32 hex digits), other UUIDs in their
    canonical form, as the API shows them.
    """
    if ip is None and request is not None:
        ip = client_ip(request)
    record = {
        "event": event,
        "sid": _text(sid),
        "user_id": _text(user_id),
        "ip": ip,
        "actor": _text(actor),
        "reason": _text(reason),
        # As the token carries it: 32 hex digits.
        "jti": jti.hex if isinstance(jti, uuid.UUID) else _text(jti),
    }
    record.update({name: _clean(value) for name, value in fields.items()})
    logger.log(level, message, extra=record)


class ConsoleFormatter(logging.Formatter):
    """A readable line with the event's fields: ``... session revoked sid=... ``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        event = getattr(record, "event", None)
        if event is None:
            return line
        extra = set(vars(record)) - _STANDARD_ATTRIBUTES - set(FIELDS)
        names = [*FIELDS, *sorted(extra)]
        pairs = (f"{n}={getattr(record, n, None)}" for n in names if n != "event")
        shown = " ".join(p for p in pairs if not p.endswith("=None"))
        return f"{line} [{event}] {shown}".rstrip()


_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
