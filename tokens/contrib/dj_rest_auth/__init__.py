"""
dj-rest-auth on sessions: its login, logout, refresh and password change, with
tokens that die with their session.

Settings::

    REST_AUTH = {
        "USE_JWT": True,
        "TOKEN_MODEL": None,
        "JWT_TOKEN_CLAIMS_SERIALIZER": "tokens.serializers.TokenObtainPairSerializer",
        # Optional, as with SimpleJWT: "JWT_AUTH_COOKIE": "access",
        # "JWT_AUTH_REFRESH_COOKIE": "refresh", "JWT_AUTH_HTTPONLY": True, ...
    }
    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "tokens.contrib.dj_rest_auth.JWTCookieAuthentication",
        ],
    }

URLs, in place of ``include("dj_rest_auth.urls")``::

    path("dj-rest-auth/", include("tokens.contrib.dj_rest_auth")),

The paths, names and bodies are dj-rest-auth's. What differs: logout revokes
the session (named by the refresh token in the body or cookie, else by the
access token), refresh rotates exactly once, verify also refuses tokens of
revoked sessions, a password change asks for the old password and keeps only
the session that made it (REVOKE_ON_PASSWORD_CHANGE), login is throttled like
``tokens.urls``', and a refresh or logout that reads a cookie must pass the
same origin and CSRF checks as ``tokens``' own cookie.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from dj_rest_auth.jwt_auth import JWTCookieAuthentication as RestAuthCookieAuth

from tokens.authentication import SessionJWTAuthentication

__all__ = [
    "JWTCookieAuthentication",
    "LoginView",
    "LogoutView",
    "PasswordChangeSerializer",
    "PasswordChangeView",
    "RefreshView",
    "urlpatterns",
]


class JWTCookieAuthentication(RestAuthCookieAuth, SessionJWTAuthentication):
    """
    dj-rest-auth's header-or-cookie authentication (``JWT_AUTH_COOKIE``, with its
    CSRF settings), checking each token's session as SessionJWTAuthentication.
    """


# DRF's views read DEFAULT_AUTHENTICATION_CLASSES while they are being
# imported, so this module can be imported half-way through rest_framework.views:
# it must not import any view itself. The views and URLs, which do, load on
# first use (PEP 562), which is when include() or an import asks for them.
_LAZY = {
    "urlpatterns": "tokens.contrib.dj_rest_auth.urls",
    "LoginView": "tokens.contrib.dj_rest_auth.views",
    "LogoutView": "tokens.contrib.dj_rest_auth.views",
    "PasswordChangeSerializer": "tokens.contrib.dj_rest_auth.views",
    "PasswordChangeView": "tokens.contrib.dj_rest_auth.views",
    "RefreshView": "tokens.contrib.dj_rest_auth.views",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_LAZY[name]), name)
