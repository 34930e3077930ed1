"""
Django REST framework, for a site that does not install ``tokens``.

    # settings.py
    TOKENS_RECEIVER = {"ISSUER": "...", "AUDIENCE": "...", ...}
    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens_receiver.django.ReceiverAuthentication"]}
    # urls.py
    path("ssf/events", tokens_receiver.django.push_view)

``TOKENS_RECEIVER`` holds ``ReceiverConfig``'s settings (any case). The
receiver is built and started on first use, once per process. An accepted
request's ``request.user`` is a ``ReceiverUser`` (``pk`` is the token's
``sub``: this site has no account of the issuer's users, only their ids)
and ``request.auth`` the claims.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from tokens_receiver.bearer import REALM, RETRY_AFTER, UNAVAILABLE, bearer_token
from tokens_receiver.config import (
    ConfigurationError,
    DiscoveryUnavailable,
    ReceiverConfig,
)
from tokens_receiver.errors import TokenRefused
from tokens_receiver.push import MAX_SET_BYTES
from tokens_receiver.receiver import Receiver

logger = logging.getLogger("tokens_receiver")

_receiver: Receiver | None = None
_lock = threading.Lock()


def get_receiver() -> Receiver:
    """The process's receiver, from ``settings.TOKENS_RECEIVER``, started."""
    global _receiver
    with _lock:
        if _receiver is None:
            # Read with getattr: the project settings the type checker loads
            # have no TOKENS_RECEIVER, and a site without it gets a clear error.
            values = getattr(settings, "TOKENS_RECEIVER", None)
            if not isinstance(values, dict):
                raise ConfigurationError("settings.TOKENS_RECEIVER must be a dict")
            config = ReceiverConfig.from_mapping(values)
            _receiver = Receiver(config).start()
        return _receiver


class ReceiverUser:
    """The user a token names: its ``sub``, its claims, and no database row."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.pk = self.id = self.username = str(claims["sub"])

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def __str__(self) -> str:
        return self.username

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReceiverUser) and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(self.pk)


class VerificationUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = UNAVAILABLE
    default_code = "unavailable"


class ReceiverAuthentication(BaseAuthentication):
    """Bearer access tokens of the issuer, refused once their session is revoked."""

    def authenticate(
        self, request: Request
    ) -> tuple[ReceiverUser, dict[str, Any]] | None:
        try:
            token = bearer_token(request.META.get("HTTP_AUTHORIZATION"))
            if token is None:
                return None  # not ours: another authentication class may apply
            claims = get_receiver().verify(token)
        except DiscoveryUnavailable as exc:
            logger.warning("the receiver cannot start yet: %s", exc)
            raise VerificationUnavailable() from None
        except TokenRefused as refused:
            if refused.unavailable:
                raise VerificationUnavailable() from None
            raise exceptions.AuthenticationFailed(
                "The access token is not valid, expired or revoked.", "invalid_token"
            ) from None
        return ReceiverUser(claims), claims

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}"'


@csrf_exempt
def push_view(request: HttpRequest) -> HttpResponse:
    """The RFC 8935 push endpoint; route it at the stream's ``endpoint_url``."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_SET_BYTES:
        return HttpResponse(status=413)
    try:
        receiver = get_receiver()
    except DiscoveryUnavailable as exc:
        logger.warning("the receiver cannot start yet: %s", exc)
        return HttpResponse(status=503, headers={"Retry-After": RETRY_AFTER})
    status, headers, body = receiver.handle_push(
        request.body,
        request.META.get("CONTENT_TYPE", ""),
        request.META.get("HTTP_AUTHORIZATION"),
    )
    response = HttpResponse(body, status=status, headers=dict(headers))
    if not any(name == "Content-Type" for name, _ in headers):
        del response["Content-Type"]
    return response
