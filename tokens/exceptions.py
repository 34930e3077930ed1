"""
Domain errors of the token layer, and their API counterparts.

Services raise ``TokenError`` subclasses (SimpleJWT's base); the API edge turns
them into ``AuthenticationFailed`` with ``raise ... from``.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.exceptions import TokenError


class SessionInvalid(TokenError):
    """The session is revoked, expired, unknown, or its user cannot sign in."""


class TokenAlreadyRotated(TokenError):
    """A concurrent request rotated this refresh token first (not a reuse)."""


class RefreshTokenReused(TokenError):
    """A consumed refresh token was presented again: the session is revoked."""


class SessionNotFound(APIException):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = _("Session not found.")
    default_code = "session_not_found"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Request body is too large.")
    default_code = "payload_too_large"
