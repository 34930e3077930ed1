"""
What every adapter shares: reading a Bearer token, and the answer to a refusal.

RFC 6750: a request without credentials gets ``WWW-Authenticate: Bearer``
alone; a refused token adds ``error="invalid_token"``. The body is
``{"detail": ...}`` (DRF's and FastAPI's shape) and never names the reason
code: that goes to the log, where it helps, not to whoever holds a token.
A refusal that comes from the receiver's state (stale, keys unreachable) is
a 503 with ``Retry-After``: the token may well be good, and a client that
took a 401 would throw its session away.
"""

from __future__ import annotations

import json
import logging

from tokens_receiver.errors import TokenRefused
from tokens_receiver.push import Response

logger = logging.getLogger("tokens_receiver")

REALM = "api"
NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_TOKEN = "The access token is not valid, expired or revoked."
UNAVAILABLE = "Access tokens cannot be verified right now; try again shortly."
RETRY_AFTER = "5"


def bearer_token(authorization: str | None) -> str | None:
    """
    Return the token of an ``Authorization: Bearer`` value; None without one.

    TokenRefused("malformed") for a Bearer value that is not one token.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token or " " in token:
        raise TokenRefused("malformed")
    return token


def www_authenticate(refused: TokenRefused | None) -> str:
    if refused is None:
        return f'Bearer realm="{REALM}"'
    return f'Bearer realm="{REALM}", error="invalid_token"'


def refusal(refused: TokenRefused | None) -> Response:
    """The answer to a request without a token (None) or with a refused one."""
    if refused is not None:
        logger.info("access token refused: %s", refused.reason)
    if refused is not None and refused.unavailable:
        status, detail = 503, UNAVAILABLE
        headers = [("Retry-After", RETRY_AFTER)]
    else:
        status, detail = 401, NO_CREDENTIALS if refused is None else INVALID_TOKEN
        headers = [("WWW-Authenticate", www_authenticate(refused))]
    body = json.dumps({"detail": detail}).encode()
    return status, [("Content-Type", "application/json"), *headers], body
