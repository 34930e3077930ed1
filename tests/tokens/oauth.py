"""Requests to the OAuth endpoints, as a resource server sends them."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from django.test import Client

INTROSPECT = "/api/auth/introspect/"
REVOKE = "/api/auth/revoke/"
METADATA = "/.well-known/oauth-authorization-server"
FORM = "application/x-www-form-urlencoded"


def basic(client_id: str, secret: str) -> str:
    raw = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def form_post(path: str, data: dict[str, Any] | str | bytes, **extra: Any) -> Any:
    """POST *data* form-encoded (a dict, or the body as is)."""
    body = data if isinstance(data, str | bytes) else urlencode(data, doseq=True)
    return Client().post(path, body, content_type=FORM, **extra)
