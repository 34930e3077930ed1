"""Fixtures of the tokens tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory

from tokens.authentication import SessionJWTAuthentication


@pytest.fixture
def authenticate():
    """Run the authentication class on a request carrying *access*."""
    factory = APIRequestFactory()

    def run(access: str):
        request = factory.get("/", HTTP_AUTHORIZATION=f"Bearer {access}")
        return SessionJWTAuthentication().authenticate(request)

    return run


# The OAuth endpoints ----------------------------------------------------------


@pytest.fixture
def oauth_on(settings):
    """Turn the OAuth endpoints for resource servers on."""
    settings.TOKENS = {**settings.TOKENS, "INTROSPECTION_ENABLED": True}


@pytest.fixture
def resource_server(db):
    """A registered resource server and its secret."""
    from tokens import resource_servers
    from tokens.models import ResourceServer

    resource_servers.verified_secrets.clear()
    return ResourceServer.objects.create_with_secret(name="orders")


@pytest.fixture
def oauth_post(resource_server):
    """POST a form to an OAuth endpoint as the resource server (HTTP Basic)."""
    from tests.tokens.oauth import basic, form_post

    server, secret = resource_server

    def post(path, data=None, *, auth=True, **extra):
        if auth:
            extra.setdefault("HTTP_AUTHORIZATION", basic(server.client_id, secret))
        return form_post(path, data or {}, **extra)

    return post
