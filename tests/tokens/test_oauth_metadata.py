"""
RFC 8414 metadata at /.well-known/oauth-authorization-server, the
PUBLIC_URL setting it builds URLs from, and the check that what
INTROSPECTION_ENABLED serves is mounted.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
import yaml
from django.test import override_settings
from django.urls import include, path

from tests.tokens.oauth import METADATA
from tokens import checks


@pytest.fixture
def tokens(settings):
    def set_keys(**values) -> None:
        settings.TOKENS = {**settings.TOKENS, **values}

    return set_keys


def test_off_by_default_it_is_a_404_and_not_in_the_schema(db, client):
    assert client.get(METADATA).status_code == HTTPStatus.NOT_FOUND
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert METADATA not in schema["paths"]


@pytest.mark.usefixtures("oauth_on")
def test_the_metadata_names_what_exists(client, settings):
    response = client.get(METADATA)
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "public, max-age=300"
    site = "http://testserver"
    assert response.json() == {
        "issuer": settings.TOKENS["ISSUER"],
        "jwks_uri": f"{site}/.well-known/jwks.json",
        "token_endpoint": f"{site}/api/auth/token/",
        "introspection_endpoint": f"{site}/api/auth/introspect/",
        "revocation_endpoint": f"{site}/api/auth/revoke/",
        "token_endpoint_auth_methods_supported": ["none"],
        "grant_types_supported": [],
        "response_types_supported": [],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        "introspection_endpoint_auth_signing_alg_values_supported": [
            "RS256",
            "ES256",
            "EdDSA",
        ],
        "revocation_endpoint_auth_signing_alg_values_supported": [
            "RS256",
            "ES256",
            "EdDSA",
        ],
    }


@pytest.mark.usefixtures("oauth_on")
def test_urls_come_from_public_url_when_set(client, tokens, settings):
    settings.ALLOWED_HOSTS = ["internal"]
    tokens(PUBLIC_URL="https://auth.example.com/")
    body = client.get(METADATA, HTTP_HOST="internal:8000").json()
    assert (
        body["introspection_endpoint"]
        == "https://auth.example.com/api/auth/introspect/"
    )
    assert body["jwks_uri"] == "https://auth.example.com/.well-known/jwks.json"


@pytest.mark.usefixtures("oauth_on")
def test_urls_follow_the_request_when_not(client, settings):
    settings.ALLOWED_HOSTS = ["api.example.org"]
    body = client.get(METADATA, HTTP_HOST="api.example.org", secure=True).json()
    assert body["revocation_endpoint"] == "https://api.example.org/api/auth/revoke/"


@pytest.mark.usefixtures("oauth_on")
def test_it_is_in_the_schema_when_on(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"][METADATA]["get"]
    assert operation["summary"] == "OAuth server metadata"
    assert operation.get("security", [{}]) in ([{}], [])


# PUBLIC_URL ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["auth.example.com", "ftp://x.org", "https://", "https://x.org/base",
     "https://x.org/?a=1", "https://x.org/#f", 7],
)  # fmt: skip
def test_public_url_must_be_an_origin(tokens, value):
    tokens(PUBLIC_URL=value)
    (error,) = checks.check_settings()
    assert error.id == "tokens.E045"
    assert error.msg.startswith('TOKENS["PUBLIC_URL"] must be an http(s) origin')


@pytest.mark.parametrize(
    "value", [None, "https://auth.example.com", "http://127.0.0.1:8000/"]
)
def test_public_url_accepts_origins(tokens, value):
    tokens(PUBLIC_URL=value)
    assert checks.check_settings() == []


# tokens.W060 -----------------------------------------------------------------

urlpatterns = [path("api/auth/", include("tokens.urls"))]


def test_nothing_to_check_while_off():
    with override_settings(ROOT_URLCONF=__name__):
        assert checks.check_oauth_urls() == []


@pytest.mark.usefixtures("oauth_on")
def test_every_endpoint_is_mounted_in_this_project():
    assert checks.check_oauth_urls() == []


@pytest.mark.usefixtures("oauth_on")
def test_an_endpoint_not_mounted_is_a_warning():
    with override_settings(ROOT_URLCONF=__name__):
        (warning,) = checks.check_oauth_urls()
    assert warning.id == "tokens.W060"
    assert "AuthorizationServerMetadataView is not mounted" in warning.msg
    assert "tokens.well_known_urls" in warning.hint
