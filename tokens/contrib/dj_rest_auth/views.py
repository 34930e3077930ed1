"""dj-rest-auth's views on sessions (mounted by ``tokens.contrib.dj_rest_auth``)."""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any, cast

from dj_rest_auth import serializers as rest_auth_serializers
from dj_rest_auth import views as rest_auth_views
from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.jwt_auth import set_jwt_access_cookie, set_jwt_refresh_cookie
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from tokens import services, views
from tokens.app_settings import app_settings
from tokens.cookies import enforce_csrf, enforce_same_origin
from tokens.models import RevocationReason, Session
from tokens.security import client_ip
from tokens.serializers import TokenRefreshSerializer
from tokens.tokens import AccessToken, RefreshToken, SessionToken


def current_session_id(request: Request) -> Any:
    """The session of the request's access token, if it is one of ours."""
    return request.auth.session_id if isinstance(request.auth, AccessToken) else None


def checked_cookie(request: Request, name: str | None) -> str | None:
    """
    Return the value of dj-rest-auth's cookie *name*, once the request has
    passed the checks ``tokens`` makes on its own refresh cookie: a cookie is
    sent by the browser whoever made the page, so a request that relies on one
    must come from this site and carry the CSRF token.
    """
    value = request.COOKIES.get(name) if name else None
    if value:
        enforce_same_origin(request)
        enforce_csrf(request)
    return value


class LoginView(rest_auth_views.LoginView):
    """dj-rest-auth's login: the session records the device, sign-in is throttled."""

    throttle_classes = views.TokenObtainView.throttle_classes

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A login that sets cookies is a login CSRF target: a page on another
        # site could sign the visitor into its own account. Browsers send
        # Origin with every cross-origin POST; API clients send none.
        if (
            rest_auth_settings.JWT_AUTH_COOKIE
            or rest_auth_settings.JWT_AUTH_REFRESH_COOKIE
        ):
            enforce_same_origin(request, required=False)
        # dj-rest-auth's views are untyped.
        return cast(Response, super().post(request, *args, **kwargs))

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
        return checked_cookie(self.request, rest_auth_settings.JWT_AUTH_REFRESH_COOKIE)

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
        """The session named by the refresh token (body, then cookie), else access."""
        try:
            token = self.get_token(request)
            if token is None:
                raise InvalidToken(str(_("No token was provided")))
            return Session.objects.get(pk=token.session_id, user_id=token["sub"])
        except (TokenError, TypeError, Session.DoesNotExist) as exc:
            raise InvalidToken(str(_("Token is invalid or expired"))) from exc

    def get_token(self, request: Request) -> SessionToken | None:
        # An expired token still names the session to end.
        raw = request.data.get("refresh") if hasattr(request.data, "get") else None
        raw = raw or checked_cookie(request, rest_auth_settings.JWT_AUTH_REFRESH_COOKIE)
        if raw:
            return RefreshToken(raw, verify_exp=False)
        if "HTTP_AUTHORIZATION" in request.META:
            return request.auth if isinstance(request.auth, AccessToken) else None
        access = checked_cookie(request, rest_auth_settings.JWT_AUTH_COOKIE)
        return AccessToken(access, verify_exp=False) if access else None


class OldPasswordRequired:
    """
    A password change always asks for the current password, whatever
    ``OLD_PASSWORD_FIELD_ENABLED`` says: without it, an access token alone
    (minutes of a stolen token) would lock the owner out of the account.
    """

    fields: Any
    _declared_fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.old_password_field_enabled = True
        if "old_password" not in self.fields:
            self.fields["old_password"] = copy.deepcopy(
                self._declared_fields["old_password"]
            )


class PasswordChangeSerializer(
    OldPasswordRequired, rest_auth_serializers.PasswordChangeSerializer
):
    """dj-rest-auth's password change serializer, with the old password required."""


@lru_cache
def old_password_required(serializer_class: type) -> type:
    """*serializer_class* (dj-rest-auth's or a subclass) asking for the old password."""
    if issubclass(serializer_class, OldPasswordRequired):
        return serializer_class
    if serializer_class is rest_auth_serializers.PasswordChangeSerializer:
        return PasswordChangeSerializer
    return type(serializer_class.__name__, (OldPasswordRequired, serializer_class), {})


class PasswordChangeView(rest_auth_views.PasswordChangeView):
    """dj-rest-auth's password change, with the old password; its session may stay."""

    def get_serializer_class(self) -> type:
        serializer_class: type = rest_auth_settings.PASSWORD_CHANGE_SERIALIZER
        if issubclass(serializer_class, rest_auth_serializers.PasswordChangeSerializer):
            return old_password_required(serializer_class)
        # Another serializer: tokens.E051 asks the site to vouch for it.
        return serializer_class

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with services.password_change_origin(
            user=request.user, current_session_id=current_session_id(request)
        ):
            response: Response = super().post(request, *args, **kwargs)
        return response
