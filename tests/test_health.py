"""Liveness and readiness: what a load balancer polls, told the truth."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import pytest

from tests.app_server import run_without_database

ROOT = Path(__file__).resolve().parent.parent
READY = "/api/health/ready/"

PROBE = """
import json, django
django.setup()
from rest_framework.test import APIClient
response = APIClient().get("/api/health/ready/")
print(json.dumps([response.status_code, response.json()]))
"""


@pytest.fixture
def private_cache(settings, redis_server):
    settings.CACHES = {
        **settings.CACHES,
        "private": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
    }
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "private"}
    return redis_server


@pytest.mark.django_db
def test_ready_when_database_and_cache_answer(api_client, private_cache):
    """Both up: 200, each reported on its own."""
    response = api_client.get(READY)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_cache_down_is_degraded_not_unready(api_client, private_cache):
    """Only the cache down: still 200 (the database serves), cache "down"."""
    private_cache.stop()
    response = api_client.get(READY)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}


@pytest.mark.django_db
def test_readiness_needs_no_credentials_and_tells_no_secret(
    api_client, private_cache, settings
):
    """No token needed; nothing of the configuration in the body."""
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get(READY)
    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert str(private_cache.port) not in text
    assert settings.SECRET_KEY not in text


def test_database_down_is_a_503():
    """The database down: 503 in the error shape, the database named."""
    status, body = run_without_database(PROBE)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["database"] == "down"
    assert body["detail"]


@pytest.mark.django_db
def test_liveness_is_unchanged(api_client):
    assert api_client.get("/api/health/").json() == {"status": "ok"}
