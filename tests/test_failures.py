"""
Failure of the database or the cache: the service fails closed, answers in
DRF's error shape, and recovers by itself. Real servers, real outages: an
unreachable port, a terminated connection.
"""

import subprocess
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from tests.app_server import run_without_database
from tests.conftest import requires_postgres
from tokens import services
from tokens.models import RevocationReason

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"

PROBE = """
import json, django
django.setup()
from rest_framework.test import APIClient
client = APIClient()
results = {
    "health": client.get("/api/health/"),
    "login": client.post("/api/auth/token/",
                         {"email": "a@example.com", "password": "x" * 12},
                         format="json"),
}
print(json.dumps({k: [r.status_code, r.json()] for k, r in results.items()}))
"""


def test_database_down_is_a_503_in_the_error_shape():
    """With PostgreSQL unreachable, endpoints answer 503 {"detail": ...}, not 500."""
    answers = run_without_database(PROBE)
    for name, (status, body) in answers.items():
        assert status == 503, (name, status, body)
        assert "detail" in body


@pytest.fixture
def unreachable_cache(settings):
    """Route the revocation check through a Redis cache that is down."""
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "down"}
    yield caches["down"]


def test_cache_down_falls_back_to_the_database(
    api_client,
    user,
    login,
    bearer,
    unreachable_cache,
    django_capture_on_commit_callbacks,
):
    """A dead cache costs a query per request; it never lets a revoked session in."""
    pair = login(user)
    assert (
        api_client.get("/api/auth/sessions/", **bearer(pair["access"])).status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.user_sessions_revoke(user=user, reason=RevocationReason.ADMIN)
    response = api_client.get("/api/auth/sessions/", **bearer(pair["access"]))
    assert response.status_code == 401
    assert "detail" in response.json()


def wsgi_get(path: str, **headers) -> int:
    """
    Serve one request through Django's real WSGI handler. (The test client
    switches off the per-request connection checks that this test is about.)
    """
    environ = RequestFactory().get(path, **headers).environ
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    response.close()
    return int(statuses[0].split()[0])


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_recovered_by_itself(
    user, login, bearer, settings
):
    """A connection killed under us (failover, restart) is replaced by itself."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    pair = login(user)
    url = "/api/auth/sessions/"
    assert wsgi_get(url, **bearer(pair["access"])) == 200
    connection.ensure_connection()
    victim = connection.connection.info.backend_pid
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "root",
            "-d",
            "postgres",
            "-Atc",
            f"SELECT pg_terminate_backend({victim})",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    assert wsgi_get(url, **bearer(pair["access"])) == 200
    assert connection.connection.info.backend_pid != victim
