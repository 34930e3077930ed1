"""
HTML pages of the accounts app: plain templates whose script drives the
public API, like the demo page. The links in the account emails open them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

# As in Django's PasswordResetConfirmView: the link's token is moved into the
# session and the browser sent to a URL without it, so that the token does not
# stay in the address bar, the history, or a Referer header.
RESET_SESSION_KEY = "_accounts_reset_token"
RESET_URL_TOKEN = "set-password"


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
        request.session[RESET_SESSION_KEY] = token
        return redirect("password_reset_page", uid=uid, token=RESET_URL_TOKEN)
    config = page_config(
        request, uid=uid, token=request.session.get(RESET_SESSION_KEY, "")
    )
    return render(request, "reset.html", {"demo_config": config})


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
