"""
The OAuth endpoints that registered resource servers call: token
introspection (RFC 7662) and revocation (RFC 7009).

They take form-encoded bodies and answer errors in RFC 6749 §5.2's shape,
``{"error": ..., "error_description": ...}``, whatever the site's DRF
exception handler does: ``invalid_request`` (400: a malformed, repeated or
missing parameter, a body that is not a form; 413 for one too large),
``invalid_client`` (401, ``WWW-Authenticate: Basic``),
``temporarily_unavailable`` (429 with ``Retry-After``; 503). Every answer is
``Cache-Control: no-store``. Off unless ``TOKENS["INTROSPECTION_ENABLED"]``:
a 404 from the site's own handler, as for a URL that is not mounted.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.app_settings import app_settings
from tokens.introspection import token_introspect, token_revoke
from tokens.openapi import (
    OpenApiResponse,
    SchemaWhenEnabled,
    extend_schema,
    inline_serializer,
)
from tokens.parsers import LimitedFormParser
from tokens.resource_server_model import ResourceServer
from tokens.resource_servers import (
    InvalidClient,
    InvalidRequest,
    ResourceServerAuthentication,
)
from tokens.throttles import ClientAuthIPThrottle

# RFC 6749 §5.2's codes by status; anything else is server_error.
ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_client",
    405: "invalid_request",
    406: "invalid_request",
    413: "invalid_request",
    415: "invalid_request",
    429: "temporarily_unavailable",
    503: "temporarily_unavailable",
}
NOT_A_FORM = _("The body must be application/x-www-form-urlencoded.")

OAUTH_ERROR = inline_serializer(
    "OAuthError",
    {
        "error": serializers.CharField(),
        "error_description": serializers.CharField(required=False),
    },
)
CLIENT_FIELDS = {
    "client_id": serializers.CharField(
        required=False, help_text="client_secret_post; or use HTTP Basic."
    ),
    "client_secret": serializers.CharField(required=False),
    "client_assertion_type": serializers.CharField(
        required=False,
        help_text="private_key_jwt: urn:ietf:params:oauth:client-assertion-type:"
        "jwt-bearer.",
    ),
    "client_assertion": serializers.CharField(
        required=False, help_text="private_key_jwt: the signed JWT (RFC 7523)."
    ),
}
TOKEN_FIELDS = {
    "token": serializers.CharField(),
    "token_type_hint": serializers.CharField(
        required=False,
        help_text="access_token or refresh_token; ignored: tokens carry their type.",
    ),
}
OAUTH_ERRORS = {
    code: OpenApiResponse(OAUTH_ERROR, description=description)
    for code, description in [
        (400, "invalid_request: a missing or repeated parameter, not a form."),
        (401, "invalid_client: the resource server is not authenticated."),
        (413, "invalid_request: the body is too large."),
        (429, "temporarily_unavailable: too many failed authentications."),
    ]
}


class OAuthView(APIView):
    """
    Base of the endpoints resource servers call. The resource server is
    authenticated after the throttles, when the view reads ``request.auth``,
    so that ``ClientAuthIPThrottle`` counts failures.
    """

    # The feature setting that turns the view on.
    enabled_by = "INTROSPECTION_ENABLED"
    schema = SchemaWhenEnabled("INTROSPECTION_ENABLED")
    authentication_classes = [ResourceServerAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ClientAuthIPThrottle]
    parser_classes = [LimitedFormParser]
    renderer_classes = [JSONRenderer]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not getattr(app_settings, self.enabled_by):
            raise Http404  # the site's 404, before DRF
        return super().dispatch(request, *args, **kwargs)

    def perform_authentication(self, request: Request) -> None:
        pass  # deferred to resource_server(), past the throttles

    def resource_server(self, request: Request) -> ResourceServer:
        server = request.auth
        if not isinstance(server, ResourceServer):  # pragma: no cover - never None
            raise InvalidClient()
        return server

    def parameter(self, request: Request, name: str, *, required: bool) -> str | None:
        """A form parameter: once at most (RFC 6749 §3.1), empty means absent."""
        data = request.data  # a QueryDict; {} for an empty body of no form type
        values = data.getlist(name) if hasattr(data, "getlist") else []
        if len(values) > 1:
            raise InvalidRequest(
                _("The parameter %(name)s is repeated.") % {"name": name}
            )
        value = values[0] if values else ""
        if not value and required:
            raise InvalidRequest(
                _("The parameter %(name)s is required.") % {"name": name}
            )
        return value or None

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        code = response.status_code
        if code == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
            response.status_code, description = 400, str(NOT_A_FORM)
        else:
            description = _description(exc, response)
        response.data = {
            "error": ERROR_CODES.get(code, "server_error"),
            "error_description": description,
        }
        return response

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # RFC 6749 §5.1: nothing about tokens is kept by a cache on the way.
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


def _description(exc: Exception, response: Response) -> str:
    if isinstance(exc, APIException) and isinstance(exc.detail, str):
        return str(exc.detail)
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    return str(detail) if isinstance(detail, str) else str(_("The request failed."))


class IntrospectView(OAuthView):
    """
    RFC 7662 token introspection: is this access or refresh token active, and
    what does it carry? Every token that is not active (revoked, expired,
    forged, malformed, unknown, of another issuer) gets the same 200
    ``{"active": false}``.
    """

    @extend_schema(
        request=inline_serializer(
            "IntrospectionForm", {**TOKEN_FIELDS, **CLIENT_FIELDS}
        ),
        responses={
            200: inline_serializer(
                "Introspection",
                {
                    "active": serializers.BooleanField(),
                    **{
                        claim: serializers.CharField(required=False)
                        for claim in ("sub", "sid", "jti", "iss", "aud")
                    },
                    **{
                        claim: serializers.IntegerField(required=False)
                        for claim in ("exp", "iat", "nbf")
                    },
                    "token_type": serializers.ChoiceField(
                        ["access", "refresh"], required=False
                    ),
                },
            ),
            **OAUTH_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        self.resource_server(request)
        raw = self.parameter(request, "token", required=True)
        self.parameter(request, "token_type_hint", required=False)
        return Response(token_introspect(str(raw)))


class RevokeView(OAuthView):
    """
    RFC 7009 token revocation: end the session of this access or refresh
    token, as logout does, and every token of it with it. The answer is the
    same empty 200 whether a session was revoked, already was, or the token
    names none (§2.2).
    """

    @extend_schema(
        request=inline_serializer("RevocationForm", {**TOKEN_FIELDS, **CLIENT_FIELDS}),
        responses={
            200: OpenApiResponse(
                description="Revoked, or nothing to revoke: an empty body either way."
            ),
            **OAUTH_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        server = self.resource_server(request)
        raw = self.parameter(request, "token", required=True)
        self.parameter(request, "token_type_hint", required=False)
        token_revoke(str(raw), server=server)
        return Response(status=status.HTTP_200_OK)
