"""The API's error edge: every failure leaves as DRF's ``{"detail": ...}`` shape."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tokens.exceptions import PayloadTooLarge

logger = logging.getLogger(__name__)

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - Redis is optional in development

    class RedisError(Exception):  # type: ignore[no-redef]
        """Never raised: stands in when redis-py is not installed."""


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Service temporarily unavailable, try again shortly."
    default_code = "service_unavailable"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """
    Extend DRF's handler: an unreachable database or cache is a 503 the client
    may retry (``Retry-After``), not a 500. The database connection recovers by
    itself (CONN_HEALTH_CHECKS), and so does redis-py's connection pool.
    """
    if isinstance(exc, RequestDataTooBig):
        # DRF reads request.body for JSON, so Django's own size check fires
        # before LimitedJSONParser's; it is the same refusal.
        exc = PayloadTooLarge()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database unavailable: %s", exc.__class__.__name__)
        exc = ServiceUnavailable()
    elif isinstance(exc, DatabaseError):
        logger.exception("database error")
        exc = ServiceUnavailable()
    elif isinstance(exc, RedisError):
        # Throttles and the revocation check have their own fallbacks; a cache
        # error that reaches this far is a request that cannot be served now.
        logger.error("cache unavailable: %s", exc.__class__.__name__)
        exc = ServiceUnavailable()
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 503:
        response["Retry-After"] = "5"
    return response
