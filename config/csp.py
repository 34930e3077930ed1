"""
The Content-Security-Policy of the site's own pages: the demo and the pages
the account emails link to (password reset, email verification).

Their scripts and styles are files under /static/ and their settings are a
``json_script`` block (data, never run), so the policy allows no inline script
or style. The API docs page has its own policy (``config.docs``). Django 5.2
has no CSP support of its own (``django.middleware.csp`` arrives in 6.0), so
the header is set by a decorator on these views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Serve *view*'s responses with ``PAGE_CSP`` unless they carry a policy."""

    @wraps(view)
    def with_policy(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    return with_policy
