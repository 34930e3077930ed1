"""
Authorization server metadata (RFC 8414) at
``/.well-known/oauth-authorization-server``: where a resource server finds
the keys, the introspection and revocation endpoints and how to authenticate
to them (a secret, or a ``private_key_jwt`` assertion and its algorithms).
Mount ``tokens.well_known_urls`` at the site root; off unless
``TOKENS["INTROSPECTION_ENABLED"]`` (a 404).

Only what exists is named. The sign-in is the ``token_endpoint``, but it
takes this API's own JSON body, not an RFC 6749 grant, so no grant type or
response type is claimed; it needs no client authentication (``none``).
URLs are absolute: ``TOKENS["PUBLIC_URL"]`` and the paths the URLconf gives
(by name: ``jwks``, ``tokens:token_obtain``, ``tokens:introspect``,
``tokens:revoke``), else the request's scheme and host. An endpoint whose
URL name is not mounted is left out (check ``tokens.W060`` reports it).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.app_settings import app_settings
from tokens.openapi import SchemaWhenEnabled, extend_schema, inline_serializer
from tokens.resource_servers import AUTH_METHODS, AUTH_SIGNING_ALGORITHMS

METADATA_MAX_AGE = 300
ENDPOINTS = {
    "jwks_uri": "jwks",
    "token_endpoint": "tokens:token_obtain",
    "introspection_endpoint": "tokens:introspect",
    "revocation_endpoint": "tokens:revoke",
}


def _url(request: Request, name: str) -> str | None:
    try:
        path = reverse(name)
    except NoReverseMatch:
        return None
    origin = app_settings.PUBLIC_URL
    if origin is not None:
        return origin.rstrip("/") + path
    return request.build_absolute_uri(path)


LIST_FIELDS = (
    "token_endpoint_auth_methods_supported",
    "grant_types_supported",
    "response_types_supported",
    "introspection_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_signing_alg_values_supported",
    "revocation_endpoint_auth_signing_alg_values_supported",
)


def authorization_server_metadata(request: Request) -> dict[str, Any]:
    """RFC 8414 §2's fields for this site, as *request* reaches it."""
    metadata: dict[str, Any] = {"issuer": app_settings.ISSUER}
    for field, name in ENDPOINTS.items():
        url = _url(request, name)
        if url is not None:
            metadata[field] = url
    metadata.update(
        {
            "token_endpoint_auth_methods_supported": ["none"],
            "grant_types_supported": [],
            "response_types_supported": [],
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            # private_key_jwt's (RFC 8414 §2): no HMAC, no "none".
            "introspection_endpoint_auth_signing_alg_values_supported": (
                AUTH_SIGNING_ALGORITHMS
            ),
            "revocation_endpoint_auth_signing_alg_values_supported": (
                AUTH_SIGNING_ALGORITHMS
            ),
        }
    )
    return metadata


def _strings() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField())


class AuthorizationServerMetadataView(APIView):
    """RFC 8414 authorization server metadata; anyone may read it."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type[Any]] = []
    renderer_classes = [JSONRenderer]
    schema = SchemaWhenEnabled("INTROSPECTION_ENABLED")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not app_settings.INTROSPECTION_ENABLED:
            raise Http404  # the site's 404, as for a URL not mounted
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        auth=[],
        responses={
            200: inline_serializer(
                "AuthorizationServerMetadata",
                {
                    "issuer": serializers.CharField(),
                    **{
                        field: serializers.URLField(required=False)
                        for field in ENDPOINTS
                    },
                    **{field: _strings() for field in LIST_FIELDS},
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        response = Response(authorization_server_metadata(request))
        response["Cache-Control"] = f"public, max-age={METADATA_MAX_AGE}"
        return response
