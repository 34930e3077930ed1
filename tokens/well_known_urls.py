"""Mount at the site root with ``path("", include("tokens.well_known_urls"))``."""

from django.urls import path

from tokens.jwks import JWKSView
from tokens.oauth_metadata import AuthorizationServerMetadataView
from tokens.ssf.views import ConfigurationView

urlpatterns = [
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
    # Off unless TOKENS["INTROSPECTION_ENABLED"] (a 404 meanwhile).
    path(
        ".well-known/oauth-authorization-server",
        AuthorizationServerMetadataView.as_view(),
        name="oauth_authorization_server",
    ),
    # Off unless TOKENS["SECURITY_EVENTS"] (a 404 meanwhile).
    path(
        ".well-known/ssf-configuration",
        ConfigurationView.as_view(),
        name="ssf_configuration",
    ),
]
