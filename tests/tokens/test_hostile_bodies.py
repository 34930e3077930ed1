"""
The token endpoints refuse hostile bodies with a 4xx in any site.

A site installing ``tokens`` keeps its own parser settings, usually DRF's
plain JSONParser, which lets a deeply nested document crash with
RecursionError and reads bodies of any size. The endpoints are public, so they
carry their own parsers.
"""

from http import HTTPStatus

import pytest
from django.urls import get_resolver

ENDPOINTS = [
    "/api/auth/token/",
    "/api/auth/token/refresh/",
    "/api/auth/token/verify/",
    "/api/auth/logout/",
]


@pytest.fixture
def plain_site_parsers(settings):
    # DRF reads DEFAULT_PARSER_CLASSES into each view class when its module is
    # imported: load every view first, so that only this test sees the change.
    get_resolver().url_patterns  # noqa: B018
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    }


@pytest.mark.parametrize("path", ENDPOINTS)
def test_deeply_nested_json_is_a_parse_error(db, client, plain_site_parsers, path):
    """40 KB of nested arrays: 400 in DRF's shape, not a RecursionError."""
    body = "[" * 20_000 + "]" * 20_000
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": "JSON parse error."}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_oversized_json_body_is_413(db, client, plain_site_parsers, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"refresh": "' + "a" * 4096 + '"}'
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json()["detail"] == "Request body is too large."


def test_an_oversized_form_body_is_415(db, client, plain_site_parsers, settings):
    """A form body is refused for its media type before its size is looked at."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/api/auth/token/", {"email": "a" * 4096, "password": "x"})
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/auth/token/", {"email": 1, "password": "x"}, "email"),
        ("/api/auth/token/", {"email": "a@example.com", "password": 2}, "password"),
        ("/api/auth/token/refresh/", {"refresh": 123}, "refresh"),
        ("/api/auth/token/verify/", {"token": 1}, "token"),
    ],
)
def test_a_number_where_a_string_goes_is_400(db, client, path, body, field):
    """A wrong JSON type is a malformed request, not a wrong credential."""
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {field: ["Not a valid string."]}
