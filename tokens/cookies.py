"""
The refresh-token cookie for browsers (opt-in: ``TOKENS["REFRESH_COOKIE"]``).

The cookie is HttpOnly, Secure and SameSite=Strict, scoped to the auth path.
A request that authenticates with it must also pass Django's CSRF check (the
``X-CSRFToken`` header matching the ``csrftoken`` cookie) and come from this
site (``Origin``, else ``Referer``): DRF views are CSRF-exempt, so the check is
made here explicitly. A sign-in that sets the cookie passes the same origin
check, so that another site's page cannot sign a visitor in (login CSRF).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from tokens.app_settings import app_settings

SameSite = Literal["Lax", "Strict", "None"]


def set_refresh_cookie(
    response: HttpResponse, token: str, expires_at: datetime
) -> None:
    response.set_cookie(
        app_settings.REFRESH_COOKIE_NAME,
        token,
        max_age=max(0, int((expires_at - timezone.now()).total_seconds())),
        path=app_settings.REFRESH_COOKIE_PATH,
        secure=app_settings.REFRESH_COOKIE_SECURE,
        httponly=True,
        samesite=_samesite(),
    )


def clear_refresh_cookie(response: HttpResponse) -> None:
    response.delete_cookie(
        app_settings.REFRESH_COOKIE_NAME,
        path=app_settings.REFRESH_COOKIE_PATH,
        samesite=_samesite(),
    )


def _samesite() -> SameSite:
    # The setting is a plain str; set_cookie() takes one of these three.
    return cast(SameSite, app_settings.REFRESH_COOKIE_SAMESITE)


def refresh_cookie(request: Request) -> str | None:
    """Return the refresh cookie's value after the CSRF and origin checks pass."""
    value = request.COOKIES.get(app_settings.REFRESH_COOKIE_NAME)
    if not value:
        return None
    enforce_same_origin(request)
    enforce_csrf(request)
    return value


def enforce_csrf(request: Request) -> None:
    """Run Django's CSRF check through DRF's ``SessionAuthentication``, as its
    session login does: a failure is a 403 ``{"detail": "CSRF Failed: ..."}``."""
    SessionAuthentication().enforce_csrf(request)


def enforce_same_origin(request: Request, *, required: bool = True) -> None:
    """
    Refuse a request whose Origin (else Referer) is not this site or trusted,
    or that the browser labels ``Sec-Fetch-Site: cross-site``.

    With *required* false, a request with neither header passes unless the
    browser labelled it as coming from another site: a sign-in may come from
    any client, while a browser sends Origin with every cross-origin POST.
    """
    source = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if not source:
        if required or fetch_site in ("cross-site", "same-site"):
            raise PermissionDenied("Origin or Referer header required.")
        return
    parts = urlsplit(source)
    origin = f"{parts.scheme}://{parts.netloc}"
    # A front end served from another origin is listed, exactly, in
    # CSRF_TRUSTED_ORIGINS, which Django's own CSRF check also honours.
    trusted = _trusted_origins()
    if origin not in {f"{request.scheme}://{request.get_host()}", *trusted}:
        raise PermissionDenied("Cross-origin request refused.")
    if fetch_site == "cross-site" and origin not in trusted:
        raise PermissionDenied("Cross-origin request refused.")


def _trusted_origins() -> list[str]:
    return [o for o in settings.CSRF_TRUSTED_ORIGINS if "*" not in o]
