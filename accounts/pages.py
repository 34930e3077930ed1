"""
HTML pages of the accounts app: plain templates whose script drives the
public API, like the demo page. The links in the account emails open them.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

# As in Django's PasswordResetConfirmView, the link's token is moved out of the
# URL and the browser sent to one without it, so that the token does not stay
# in the address bar, the history, or a Referer header. Django keeps it in the
# session; here it goes to a signed, HttpOnly cookie scoped to that one URL, so
# an anonymous visit writes no session row (a link opened by a mail scanner or
# a crawler would otherwise leave one each time).
RESET_COOKIE = "accounts_reset"
RESET_COOKIE_SALT = "accounts.pages.password_reset_page"
RESET_URL_TOKEN = "set-password"
# A link's uid is urlsafe base64 (it also ends up in the cookie's Path), its
# token at most as long as the API accepts.
_UID = re.compile(r"[A-Za-z0-9_=-]{1,64}")
TOKEN_MAX_LENGTH = 128


def page_config(request: HttpRequest, **extra: object) -> dict:
    """What a page's script needs: the API URLs, the CSRF token, and *extra*."""
    return {
        "csrfToken": get_token(request),
        "urls": {
            "demo": reverse("demo"),
            "resetConfirm": reverse("accounts:password_reset_confirm"),
            "verify": reverse("accounts:email_verify"),
        },
        **extra,
    }


@require_safe
@never_cache
@ensure_csrf_cookie
def password_reset_page(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """Show the form that sets a new password with a reset link's uid and token."""
    if token != RESET_URL_TOKEN:
        return _reset_token_moved(request, uid, token)
    token = request.get_signed_cookie(
        RESET_COOKIE,
        default="",
        salt=RESET_COOKIE_SALT,
        max_age=settings.PASSWORD_RESET_TIMEOUT,
    )
    config = page_config(request, uid=uid, token=token)
    return render(request, "reset.html", {"demo_config": config})


def _reset_token_moved(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """Redirect to the tokenless page, carrying *token* in its cookie."""
    if not _UID.fullmatch(uid) or len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    response = redirect("password_reset_page", uid=uid, token=RESET_URL_TOKEN)
    response.set_signed_cookie(
        RESET_COOKIE,
        token,
        salt=RESET_COOKIE_SALT,
        max_age=settings.PASSWORD_RESET_TIMEOUT,
        path=response["Location"],
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        # Lax, not Strict: the link is opened from a mail client, another site,
        # and a Strict cookie would not follow that navigation's redirect.
        samesite="Lax",
    )
    return response


@require_safe
@never_cache
@ensure_csrf_cookie
def email_verify_page(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """
    Show a verification link's page. Opening it changes nothing (mail scanners
    open links); its button posts the uid and token to the API.
    """
    config = page_config(request, uid=uid, token=token)
    return render(request, "verify.html", {"demo_config": config})
