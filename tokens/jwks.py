"""
The JSON Web Key Set: the public keys that verify this site's tokens.

Served at ``/.well-known/jwks.json`` (mount ``tokens.well_known_urls`` at the
site root). Shared HMAC secrets are never published, so an HMAC-only ring
answers an empty set. Clients may cache the answer for ``JWKS_MAX_AGE`` seconds;
a new key is published while it is still verify-only, so a client's cached set
knows it before the first token it signs (see SECURITY.md, "Key rotation").
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.openapi import extend_schema, inline_serializer
from tokens.signing import get_key_ring

JWKS_MAX_AGE = 300


class JWKSView(APIView):
    """Publish the key ring's public keys; anyone may read them."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type[Any]] = []

    @extend_schema(
        auth=[],
        responses={
            200: inline_serializer(
                "JWKSet", {"keys": serializers.ListField(child=serializers.DictField())}
            )
        },
    )
    def get(self, request: Request) -> Response:
        response = Response(get_key_ring().jwks)
        response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
        return response
