"""The token API: thin views over ``tokens.services``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPES
from rest_framework_simplejwt.exceptions import (
    AuthenticationFailed,
    InvalidToken,
    TokenError,
)

from tokens import services
from tokens.app_settings import app_settings
from tokens.cookies import (
    clear_refresh_cookie,
    enforce_same_origin,
    refresh_cookie,
    set_refresh_cookie,
)
from tokens.exceptions import (
    RefreshTokenReused,
    SessionInvalid,
    SessionNotFound,
    TokenAlreadyRotated,
)
from tokens.models import RevocationReason, Session
from tokens.openapi import OpenApiResponse, extend_schema, inline_serializer
from tokens.parsers import LimitedJSONParser
from tokens.security import client_ip
from tokens.serializers import (
    LogoutSerializer,
    RevokedCountSerializer,
    SessionSerializer,
    TokenObtainPairSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
    get_obtain_serializer,
)
from tokens.throttles import (
    LoginAccountClientThrottle,
    LoginAccountThrottle,
    LoginIPThrottle,
    RefreshIPThrottle,
    failed_login_record,
)
from tokens.tokens import AccessToken, RefreshToken, SessionToken, UntypedToken

ERRORS = {
    400: OpenApiResponse(description="Malformed request."),
    401: OpenApiResponse(description="Missing, invalid, expired or revoked token."),
    429: OpenApiResponse(description="Throttled; see Retry-After."),
}


WRONG_TYPE = _("Token has wrong type")

# SimpleJWT's exception stubs refuse lazy strings, which its exceptions force
# when built as DRF's do: the `type: ignore[arg-type]`s on them below.


def as_authentication_failed(exc: TokenError) -> AuthenticationFailed:
    """Translate a domain error from the token layer into a 401."""
    # InvalidToken throughout, as SimpleJWT: its code (``token_not_valid``) is
    # the exception's code; the two rotation events add their own in the body.
    if isinstance(exc, RefreshTokenReused):
        return InvalidToken(
            _("Refresh token was already used; the session has been revoked."),  # type: ignore[arg-type]
            code="token_reused",
        )
    if isinstance(exc, TokenAlreadyRotated):
        return InvalidToken(
            _("Refresh token was already rotated by a concurrent request."),  # type: ignore[arg-type]
            code="token_already_rotated",
        )
    if isinstance(exc, SessionInvalid):
        return InvalidToken(_("Session has been revoked or has expired."))  # type: ignore[arg-type]
    if exc.args and str(exc.args[0]) == str(WRONG_TYPE):
        # SimpleJWT's answer to an access token sent where a refresh one goes.
        return InvalidToken(WRONG_TYPE)  # type: ignore[arg-type]
    return InvalidToken(_("Token is invalid or expired"))  # type: ignore[arg-type]


class HardenedAPIView(APIView):
    """
    Base of every view of this app: in any site, whatever its parser settings,
    a hostile body (deeply nested, oversized) is a 4xx in DRF's shape.

    JSON only: a form or multipart body is a 415. A browser sends those
    cross-site without a CORS preflight, so accepting them would let another
    site's page sign a visitor in (login CSRF).
    """

    parser_classes = [LimitedJSONParser]


class TokenAPIView(HardenedAPIView):
    """Base of the unauthenticated token endpoints: 401s keep their status."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        return f'{AUTH_HEADER_TYPES[0]} realm="api"'

    def get_validated_data(self, serializer_class: type) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return cast(dict[str, Any], serializer.validated_data)

    def pair_response(self, pair: services.TokenPair, code: int) -> Response:
        body = {"access": pair.access, "refresh": pair.refresh}
        if not app_settings.REFRESH_COOKIE:
            return Response(body, status=code)
        response = Response({"access": pair.access}, status=code)
        set_refresh_cookie(response, pair.refresh, pair.session.expires_at)
        return response

    def get_refresh_token(self, body_token: str | None) -> str | None:
        """The refresh token from the body, else from the cookie (CSRF-checked)."""
        if body_token:
            return body_token
        return refresh_cookie(self.request) if app_settings.REFRESH_COOKIE else None


class TokenObtainView(TokenAPIView):
    """Sign in: create a session and return its first access and refresh tokens."""

    throttle_classes = [
        LoginIPThrottle,
        LoginAccountClientThrottle,
        LoginAccountThrottle,
    ]

    @extend_schema(
        request=TokenObtainPairSerializer,
        responses={200: TokenPairSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        if app_settings.REFRESH_COOKIE:
            # The answer sets the refresh cookie: refuse another site's page.
            enforce_same_origin(request, required=False)
        serializer_class = get_obtain_serializer()
        data = self.get_validated_data(serializer_class)
        user = authenticate(request, **data)
        if user is None or not getattr(user, "is_active", True):
            services.login_failed(request=request)
            failed_login_record(request=request)
            raise AuthenticationFailed(
                _("No active account found with the given credentials"),  # type: ignore[arg-type]
                code="no_active_account",
            )
        pair = self.get_pair(serializer_class, user)
        if app_settings.UPDATE_LAST_LOGIN:
            # As SimpleJWT's view does; the function ignores its sender.
            update_last_login(None, user)  # type: ignore[arg-type]
        return self.pair_response(pair, status.HTTP_200_OK)

    def get_pair(
        self, serializer_class: type[TokenObtainPairSerializer], user: Any
    ) -> services.TokenPair:
        """Start the session through the serializer's ``get_token`` hook."""
        with services.session_origin(
            user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(self.request),
        ):
            refresh = serializer_class.get_token(user)
        return services.TokenPair(
            access=str(refresh.access_token),
            refresh=str(refresh),
            # get_token mints through for_user, which binds the session.
            session=cast(Session, refresh.session),
        )


class TokenRefreshView(TokenAPIView):
    """Rotate: exchange a refresh token for a new pair, exactly once."""

    throttle_classes = [RefreshIPThrottle]

    @extend_schema(
        request=TokenRefreshSerializer,
        responses={200: TokenPairSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        arrived_at = timezone.now()
        data = self.get_validated_data(TokenRefreshSerializer)
        raw_token = self.get_refresh_token(data.get("refresh"))
        if not raw_token:
            raise InvalidToken(_("No refresh token was provided"))  # type: ignore[arg-type]
        try:
            token = RefreshToken(raw_token)
            pair = services.refresh_rotate(token=token, arrived_at=arrived_at)
        except TokenError as exc:
            raise as_authentication_failed(exc) from exc
        return self.pair_response(pair, status.HTTP_200_OK)


class TokenVerifyView(TokenAPIView):
    """Answer 200 if a token is valid and its session not revoked, else 401."""

    @extend_schema(request=TokenVerifySerializer, responses={200: None, **ERRORS})
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(TokenVerifySerializer)
        try:
            services.token_session_check(token=UntypedToken(data["token"]))
        except TokenError as exc:
            raise as_authentication_failed(exc) from exc
        return Response({})


class LogoutView(TokenAPIView):
    """Revoke the current session, named by a refresh token or an access token."""

    @extend_schema(request=LogoutSerializer, responses={204: None, **ERRORS})
    def post(self, request: Request) -> Response:
        data = self.get_validated_data(LogoutSerializer)
        session = self.get_session(data.get("refresh"))
        services.session_revoke(session=session, reason=RevocationReason.LOGOUT)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        if app_settings.REFRESH_COOKIE:
            clear_refresh_cookie(response)
        return response

    def get_session(self, body_token: str | None) -> Session:
        raw_token = self.get_refresh_token(body_token)
        token: SessionToken
        try:
            if raw_token:
                # An expired refresh token still names the session to end.
                token = RefreshToken(raw_token, verify_exp=False)
            else:
                token = self.get_access_token()
            return Session.objects.get(pk=token.session_id, user_id=token["sub"])
        except (TokenError, Session.DoesNotExist) as exc:
            raise InvalidToken(_("Token is invalid or expired")) from exc  # type: ignore[arg-type]

    def get_access_token(self) -> AccessToken:
        from tokens.authentication import SessionJWTAuthentication

        result = SessionJWTAuthentication().authenticate(self.request)
        if result is None:
            raise InvalidToken(_("No token was provided"))  # type: ignore[arg-type]
        # SessionJWTAuthentication validates only access tokens.
        return cast(AccessToken, result[1])


class LogoutAllView(HardenedAPIView):
    """Revoke every session of the authenticated user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: RevokedCountSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        count = services.user_sessions_revoke(
            user=request.user, reason=RevocationReason.LOGOUT_ALL
        )
        response = Response({"revoked": count})
        if app_settings.REFRESH_COOKIE:
            clear_refresh_cookie(response)
        return response


class SessionListView(HardenedAPIView):
    """The authenticated user's active sessions; ``current`` marks this one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SessionSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        sessions = services.user_active_sessions(user=request.user)
        # request.auth is the AccessToken SessionJWTAuthentication validated.
        context = {"current_session_id": cast(AccessToken, request.auth).session_id}
        return Response(SessionSerializer(sessions, many=True, context=context).data)


class SessionDetailView(HardenedAPIView):
    """Revoke one of the authenticated user's own sessions."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={204: None, 404: OpenApiResponse(description="Not yours."), **ERRORS}
    )
    def delete(self, request: Request, session_id: str) -> Response:
        # IsAuthenticated: the user is a saved one, its pk is set.
        session = Session.objects.filter(pk=session_id, user_id=request.user.pk).first()  # type: ignore[misc]
        if session is None:
            raise SessionNotFound()
        services.session_revoke(
            session=session, reason=RevocationReason.REVOKED_BY_USER, by=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionRevokeOthersView(HardenedAPIView):
    """Revoke every session of the user except the one making this request."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: RevokedCountSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        count = services.user_sessions_revoke(
            user=request.user,
            reason=RevocationReason.REVOKED_BY_USER,
            by=request.user,
            keep=cast(AccessToken, request.auth).session_id,
        )
        return Response({"revoked": count})


@method_decorator([never_cache, ensure_csrf_cookie], name="dispatch")
class CSRFCookieView(HardenedAPIView):
    """Set the ``csrftoken`` cookie that cookie-mode refresh and logout require."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        responses={
            200: inline_serializer("CSRFCookie", {"detail": serializers.CharField()})
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"detail": _("CSRF cookie set.")})
