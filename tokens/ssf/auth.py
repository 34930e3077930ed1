"""
Receivers authenticate as registered resource servers: HTTP Basic with the
client id and secret (the secret is stored hashed, checked in constant time).
A failure is a 401 with no hint of which half was wrong.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request


class ResourceServerClient:
    """``request.user`` of a receiver: authenticated, never a site user."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, resource_server: Any) -> None:
        self.resource_server = resource_server
        self.pk = None

    def __str__(self) -> str:
        return str(self.resource_server.client_id)


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded or len(encoded) > 1024:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon and client_id else None


class ResourceServerAuthentication(BaseAuthentication):
    """DRF authentication of a registered resource server (client_secret_basic)."""

    def authenticate(self, request: Request) -> tuple[ResourceServerClient, Any] | None:
        from tokens.models import ResourceServer

        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        credentials = _basic_credentials(header)
        if credentials is None:
            raise AuthenticationFailed(_("Invalid client credentials."))
        client_id, secret = credentials
        server = ResourceServer.objects.filter(
            client_id=client_id, is_active=True
        ).first()
        if server is None or not server.check_secret(secret):
            raise AuthenticationFailed(_("Invalid client credentials."))
        return ResourceServerClient(server), server

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="security-events"'
