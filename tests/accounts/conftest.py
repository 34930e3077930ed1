"""Fixtures of the account and profile tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Visibility

PROFILE_FIELDS = ("bio", "location", "website")
STRONG_PASSWORD = "a long and unguessable passphrase"


@pytest.fixture
def signed_in(login) -> Callable[..., APIClient]:
    """Return a client that sends a fresh access token of *user*."""

    def sign_in(user, password: str | None = None) -> APIClient:
        client = APIClient()
        kwargs = {"password": password} if password else {}
        pair = login(user, client=client, **kwargs)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        client.tokens = pair
        return client

    return sign_in


@pytest.fixture
def client_of(signed_in, user) -> APIClient:
    """A client signed in as ``user``."""
    return signed_in(user)


@pytest.fixture
def make_profile(make_user) -> Callable[..., Any]:
    """Make a user and return their profile, set up as asked."""

    def make(visibility: str = Visibility.PUBLIC, display_name: str = "", **extra):
        fields = {name: extra.pop(name) for name in PROFILE_FIELDS if name in extra}
        owner = make_user(display_name=display_name, **extra)
        profile = owner.profile
        profile.visibility = visibility
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        return profile

    return make


def reset_link_parts(body: str) -> tuple[str, str]:
    """The ``uid`` and ``token`` of the reset link in a mail body."""
    match = re.search(r"/reset/([^/\s]+)/([^/\s]+)/", body)
    assert match, body
    return match.group(1), match.group(2)


def json_post(client: APIClient, path: str, data: Any, **extra: Any):
    return client.post(path, data, format="json", **extra)
