"""
The API documentation pages: Swagger UI served by the site itself.

Swagger UI's files come from drf-spectacular-sidecar (pinned with the package,
served as static files, so the page works offline and runs no third-party
script on the API's origin). The page is the "split" view: the HTML and the
script that starts Swagger UI are two responses, so the Content-Security-Policy
needs no inline script. ``API_DOCS`` turns the page off (a 404); the schema at
/api/schema/ stays, for client generators.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

# Everything the page loads is its own: scripts and styles from /static/, the
# schema and "Try it out" requests to this origin. Swagger UI's icons are data:
# URIs. Nothing may frame the page, and it submits no form.
DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

# Summaries of the operations, by method and path; an operation not listed
# takes the first sentence of its description.
SUMMARIES = {
    ("get", "/.well-known/jwks.json"): "Public signing keys (JWKS)",
    ("post", "/api/auth/token/"): "Sign in",
    ("post", "/api/auth/token/refresh/"): "Rotate a refresh token",
    ("post", "/api/auth/token/verify/"): "Verify a token",
    ("post", "/api/auth/logout/"): "Sign out of this session",
    ("post", "/api/auth/logout-all/"): "Sign out of every session",
    ("get", "/api/auth/sessions/"): "List my sessions",
    ("delete", "/api/auth/sessions/{session_id}/"): "Revoke one of my sessions",
    ("post", "/api/auth/sessions/revoke-others/"): "Revoke my other sessions",
    ("get", "/api/auth/csrf/"): "Set the CSRF cookie (cookie mode)",
    ("post", "/api/auth/introspect/"): "Introspect a token (resource servers)",
    ("post", "/api/auth/revoke/"): "Revoke a token's session (resource servers)",
    ("get", "/.well-known/oauth-authorization-server"): "OAuth server metadata",
    ("post", "/api/accounts/register/"): "Create an account",
    ("get", "/api/accounts/me/"): "My account",
    ("patch", "/api/accounts/me/"): "Change my email or display name",
    ("delete", "/api/accounts/me/"): "Deactivate my account",
    ("post", "/api/accounts/me/password/"): "Change my password",
    ("post", "/api/accounts/password-reset/"): "Ask for a password reset link",
    ("post", "/api/accounts/password-reset/confirm/"): "Set a new password",
    ("get", "/api/profiles/"): "List public profiles",
    ("get", "/api/profiles/{id}/"): "Read a profile",
    ("patch", "/api/profiles/{id}/"): "Edit a profile",
    ("delete", "/api/profiles/{id}/"): "Delete a profile (staff)",
    ("get", "/.well-known/ssf-configuration"): "Security event transmitter metadata",
    ("get", "/api/ssf/stream/"): "Read my event streams",
    ("post", "/api/ssf/stream/"): "Create an event stream",
    ("patch", "/api/ssf/stream/"): "Change an event stream",
    ("put", "/api/ssf/stream/"): "Replace an event stream's settings",
    ("delete", "/api/ssf/stream/"): "Delete an event stream",
    ("get", "/api/ssf/status/"): "Read a stream's status",
    ("post", "/api/ssf/status/"): "Pause, enable or disable a stream",
    ("post", "/api/ssf/verify/"): "Ask for a verification event",
    ("post", "/api/ssf/poll/{stream_id}/"): "Poll for security events",
    ("get", "/api/health/"): "Liveness",
}

# Tags by path prefix, in the order the page shows them.
TAGS = [
    ("/api/auth/", "Sessions", "Sign in, rotate, verify, sign out, list sessions."),
    ("/api/accounts/", "Accounts", "Register, the signed-in account, passwords."),
    ("/api/profiles/", "Profiles", "Public profiles and their visibility."),
    (
        "/.well-known/",
        "Keys",
        "Public keys for verifying tokens elsewhere, the OAuth and SSF metadata.",
    ),
    (
        "/api/ssf/",
        "Security events",
        "Event streams of registered receivers (OpenID Shared Signals).",
    ),
    ("/api/health/", "Health", "Probes for load balancers and orchestrators."),
]


def _tag(path: str) -> str:
    return next((name for prefix, name, _ in TAGS if path.startswith(prefix)), "Other")


def _first_sentence(text: str | None) -> str:
    sentence = (text or "").strip().split("\n\n", 1)[0].split(". ", 1)[0]
    return " ".join(sentence.split()).rstrip(".")


def group_and_summarize(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: one tag per area, a summary each."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            operation["tags"] = [_tag(path)]
            summary = SUMMARIES.get((method, path))
            operation["summary"] = summary or _first_sentence(
                operation.get("description")
            )
    result["tags"] = [
        {"name": name, "description": description} for _, name, description in TAGS
    ]
    return result


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the site's own static files, under a strict CSP."""

    template_name = "docs/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args: Any, **kwargs: Any):
        if not settings.API_DOCS:
            raise Http404
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response
