"""
djoser's JWT endpoints on sessions.

URLs, in place of ``include("djoser.urls.jwt")``::

    path("auth/", include("djoser.urls")),
    path("auth/", include("tokens.contrib.djoser")),

and ``tokens.authentication.SessionJWTAuthentication`` in
``DEFAULT_AUTHENTICATION_CLASSES``. The paths (``jwt/create/``,
``jwt/refresh/``, ``jwt/verify/``), URL names (``jwt-create``, ...) and bodies
are djoser's; refresh always rotates, so it answers ``refresh`` too. djoser's
``users/set_password/`` (and ``reset_password_confirm/``) revoke the user's
sessions through the model-level password receiver (REVOKE_ON_PASSWORD_CHANGE).

djoser's social sign-in (``djoser.social.urls``) mints with
``DJOSER["SOCIAL_AUTH_TOKEN_STRATEGY"]``, whose default makes SimpleJWT tokens;
set it to ``"tokens.contrib.djoser.TokenStrategy"``.
"""

from typing import Any

from django.urls import re_path

from tokens import views
from tokens.tokens import RefreshToken


class TokenStrategy:
    """djoser's JWT token strategy, starting a session for the signed-in user."""

    @classmethod
    def obtain(cls, user: Any) -> dict[str, Any]:
        refresh = RefreshToken.for_user(user)
        return {
            "access": str(refresh.access_token),
            "refresh": str(refresh),
            "user": user,
        }


urlpatterns = [
    re_path(r"^jwt/create/?", views.TokenObtainView.as_view(), name="jwt-create"),
    re_path(r"^jwt/refresh/?", views.TokenRefreshView.as_view(), name="jwt-refresh"),
    re_path(r"^jwt/verify/?", views.TokenVerifyView.as_view(), name="jwt-verify"),
]
