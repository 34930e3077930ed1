"""Project-level views: liveness, readiness, JSON error pages, the demo page."""

from django.conf import settings
from django.core.cache import caches
from django.core.mail.backends import console
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.app_settings import app_settings as accounts_settings
from config.csp import content_security_policy
from tokens.app_settings import app_settings


@extend_schema(
    responses={
        200: inline_serializer("Health", {"status": serializers.CharField()}),
        503: inline_serializer("Unhealthy", {"detail": serializers.CharField()}),
    },
    auth=[],
)
@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([])
def health(request: Request) -> Response:
    """Answer 200 when the database answers; load balancers poll this."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Response({"status": "ok"})


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def _cache_state() -> str:
    """``"ok"``, ``"down"``, or ``"none"`` when no shared cache is configured."""
    alias = app_settings.CACHE_ALIAS
    if not alias:
        return "none"
    try:
        caches[alias].get("health:ready")
        return "ok"
    except Exception:  # whatever the backend raises, the answer is "down"
        return "down"


@extend_schema(
    responses={
        200: inline_serializer(
            "Ready",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "cache": serializers.CharField(),
            },
        ),
        503: inline_serializer(
            "NotReady",
            {
                "detail": serializers.CharField(),
                "database": serializers.CharField(),
                "cache": serializers.CharField(),
            },
        ),
    },
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def ready(request: Request) -> Response:
    """
    Readiness: 503 when the database is down; 200 otherwise, with
    ``"cache": "down"`` (``"status": "degraded"``) when only the cache is.
    Without the cache every request is still served, from the database.
    """
    database = "ok" if _database_up() else "down"
    cache = _cache_state()
    body = {"database": database, "cache": cache}
    if database == "down":
        return Response({"detail": "The database is unavailable.", **body}, status=503)
    status = "degraded" if cache == "down" else "ok"
    return Response({"status": status, **body})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """
    Answer /favicon.ico, which browsers ask for on the pages that name no icon
    (error pages, an API answer opened in a tab), with the site's icon.
    """
    response = redirect(static("favicon.svg"))
    patch_cache_control(response, max_age=60 * 60 * 24)
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def page_not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> JsonResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."},
            status=403,
        )
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> JsonResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def mail_to_console() -> bool:
    """Whether mail is printed on the console (``make run``'s terminal), not sent."""
    backend = import_string(settings.EMAIL_BACKEND)
    return issubclass(backend, console.EmailBackend)


def demo_config(request: HttpRequest) -> dict:
    """Return what the demo page's script needs: the mode, the URLs, the CSRF token."""
    return {
        "cookieMode": app_settings.REFRESH_COOKIE,
        "mailToConsole": mail_to_console(),
        "emailVerification": str(accounts_settings.EMAIL_VERIFICATION),
        "csrfToken": get_token(request),
        "urls": {
            "register": "/api/accounts/register/",
            "me": "/api/accounts/me/",
            "passwordReset": "/api/accounts/password-reset/",
            "verifyResend": "/api/accounts/verify-email/resend/",
            "login": reverse("tokens:token_obtain"),
            "refresh": reverse("tokens:token_refresh"),
            "logout": reverse("tokens:logout"),
            "logoutAll": reverse("tokens:logout_all"),
            "sessions": reverse("tokens:session_list"),
        },
    }


@content_security_policy
@require_safe
@never_cache  # the page carries this visitor's CSRF token
@ensure_csrf_cookie
def demo(request: HttpRequest) -> HttpResponse:
    """Render the demo page, which drives the public API from plain JavaScript."""
    return render(request, "demo.html", {"demo_config": demo_config(request)})
