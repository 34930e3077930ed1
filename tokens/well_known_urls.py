"""Mount at the site root with ``path("", include("tokens.well_known_urls"))``."""

from django.urls import path

from tokens.jwks import JWKSView
from tokens.ssf.views import ConfigurationView

urlpatterns = [
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
    path(
        ".well-known/ssf-configuration",
        ConfigurationView.as_view(),
        name="ssf_configuration",
    ),
]
