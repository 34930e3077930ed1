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
