"""
dj-rest-auth on sessions: its login, logout, refresh and password change, with
tokens that die with their session.

Settings::

    REST_AUTH = {
        "USE_JWT": True,
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
revoked sessions, a password change keeps only the session that made it
(REVOKE_ON_PASSWORD_CHANGE), and login is throttled like ``tokens.urls``'.
"""

from __future__ import annotations

from typing import Any

from dj_rest_auth.jwt_auth import JWTCookieAuthentication as RestAuthCookieAuth

from tokens.authentication import SessionJWTAuthentication


class JWTCookieAuthentication(RestAuthCookieAuth, SessionJWTAuthentication):
    """
    dj-rest-auth's header-or-cookie authentication (``JWT_AUTH_COOKIE``, with its
    CSRF settings), checking each token's session as SessionJWTAuthentication.
    """


# The views come after the authentication class: importing DRF's views makes
# DRF import DEFAULT_AUTHENTICATION_CLASSES, that is this module, which then
# must already define it.
from dj_rest_auth import urls as rest_auth_urls  # noqa: E402
from dj_rest_auth import views as rest_auth_views  # noqa: E402
from dj_rest_auth.app_settings import api_settings as rest_auth_settings  # noqa: E402
from dj_rest_auth.jwt_auth import (  # noqa: E402
    set_jwt_access_cookie,
    set_jwt_refresh_cookie,
)
from django.urls import re_path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402
from rest_framework import status  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError  # noqa: E402

from tokens import services, views  # noqa: E402
from tokens.app_settings import app_settings  # noqa: E402
from tokens.models import RevocationReason, Session  # noqa: E402
from tokens.security import client_ip  # noqa: E402
from tokens.serializers import TokenRefreshSerializer  # noqa: E402
from tokens.tokens import AccessToken, RefreshToken  # noqa: E402

__all__ = [
    "JWTCookieAuthentication",
    "LoginView",
    "LogoutView",
    "PasswordChangeView",
    "RefreshView",
    "urlpatterns",
]


def current_session_id(request: Request) -> Any:
    """The session of the request's access token, if it is one of ours."""
    return request.auth.session_id if isinstance(request.auth, AccessToken) else None


class LoginView(rest_auth_views.LoginView):
    """dj-rest-auth's login: the session records the device, sign-in is throttled."""

    throttle_classes = views.TokenObtainView.throttle_classes

    def login(self) -> None:
        with services.session_origin(
            user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(self.request),
        ):
            super().login()


class RefreshSerializer(TokenRefreshSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["refresh"].required = not rest_auth_settings.JWT_AUTH_REFRESH_COOKIE


class RefreshView(views.TokenRefreshView):
    """Rotation, reading and setting dj-rest-auth's cookies as its own view does."""

    def get_validated_data(self, serializer_class: type) -> dict[str, Any]:
        return super().get_validated_data(RefreshSerializer)

    def get_refresh_token(self, body_token: str | None) -> str | None:
        if body_token:
            return body_token
        name = rest_auth_settings.JWT_AUTH_REFRESH_COOKIE
        return self.request.COOKIES.get(name) if name else None

    def pair_response(self, pair: services.TokenPair, code: int) -> Response:
        return Response({"access": pair.access, "refresh": pair.refresh}, status=code)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # As dj_rest_auth.jwt_auth.get_refresh_view() does.
        if response.status_code == status.HTTP_200_OK and "access" in response.data:
            set_jwt_access_cookie(response, response.data["access"])
            lifetime = app_settings.ACCESS_TOKEN_LIFETIME
            response.data["access_expiration"] = timezone.now() + lifetime
        if response.status_code == status.HTTP_200_OK and "refresh" in response.data:
            set_jwt_refresh_cookie(response, response.data["refresh"])
            if rest_auth_settings.JWT_AUTH_HTTPONLY:
                del response.data["refresh"]
            else:
                lifetime = app_settings.REFRESH_TOKEN_LIFETIME
                response.data["refresh_expiration"] = timezone.now() + lifetime
        return super().finalize_response(request, response, *args, **kwargs)


class LogoutView(rest_auth_views.LogoutView):
    """dj-rest-auth's logout (cookies cleared, Django logout), revoking the session."""

    def logout(self, request: Request) -> Response:
        session = self.get_session(request)
        services.session_revoke(session=session, reason=RevocationReason.LOGOUT)
        response: Response = super().logout(request)
        response.data = {"detail": _("Successfully logged out.")}
        response.status_code = status.HTTP_200_OK
        return response

    def get_session(self, request: Request) -> Session:
        """The session named by the refresh token (body, then cookie), else auth."""
        raw = request.data.get("refresh") if hasattr(request.data, "get") else None
        name = rest_auth_settings.JWT_AUTH_REFRESH_COOKIE
        raw = raw or (request.COOKIES.get(name) if name else None)
        try:
            # An expired refresh token still names the session to end.
            token = RefreshToken(raw, verify_exp=False) if raw else request.auth
            if not isinstance(token, AccessToken | RefreshToken):
                raise InvalidToken(str(_("No token was provided")))
            return Session.objects.get(pk=token.session_id, user_id=token["sub"])
        except (TokenError, TypeError, Session.DoesNotExist) as exc:
            raise InvalidToken(str(_("Token is invalid or expired"))) from exc


class PasswordChangeView(rest_auth_views.PasswordChangeView):
    """dj-rest-auth's password change; the session that made it may stay."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with services.password_change_origin(
            user=request.user, current_session_id=current_session_id(request)
        ):
            response: Response = super().post(request, *args, **kwargs)
        return response


_OURS = {
    "rest_login",
    "rest_logout",
    "rest_password_change",
    "token_verify",
    "token_refresh",
}

urlpatterns = [
    re_path(r"login/?$", LoginView.as_view(), name="rest_login"),
    re_path(r"logout/?$", LogoutView.as_view(), name="rest_logout"),
    re_path(
        r"password/change/?$",
        PasswordChangeView.as_view(),
        name="rest_password_change",
    ),
    re_path(r"token/verify/?$", views.TokenVerifyView.as_view(), name="token_verify"),
    re_path(r"token/refresh/?$", RefreshView.as_view(), name="token_refresh"),
    *(p for p in rest_auth_urls.urlpatterns if p.name not in _OURS),
]
