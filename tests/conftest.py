"""Fixtures and small factories shared by the whole suite."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from rest_framework.test import APIClient

from tests.redis_server import REDIS_SERVER, RedisServer
from tests.redis_server import available as redis_server_available
from tokens import throttles

PASSWORD = "correct horse battery staple"
_emails = itertools.count(1)

requires_postgres = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":", 1)[0]
    not in ("postgres", "postgresql"),
    reason="needs PostgreSQL (DATABASE_URL=postgres://...): SQLite has no row locks",
)
requires_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="needs a shared Redis: set REDIS_URL",
)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db) -> Callable[..., Any]:
    def make(email: str | None = None, password: str = PASSWORD, **extra: Any):
        email = email or f"user{next(_emails)}@example.com"
        return get_user_model().objects.create_user(email, password, **extra)

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def staff_user(make_user):
    return make_user(is_staff=True)


@pytest.fixture
def login(api_client) -> Callable[..., dict[str, str]]:
    """Sign *user* in through the API and return the JSON body."""

    def do_login(user, password: str = PASSWORD, client: APIClient | None = None):
        response = (client or api_client).post(
            "/api/auth/token/",
            {"email": user.email, "password": password},
            format="json",
        )
        assert response.status_code == 200, response.content
        return response.json()

    return do_login


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    return lambda access: {"HTTP_AUTHORIZATION": f"Bearer {access}"}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """
    Run what a block leaves for after the commit, as production would.

    A test's transaction never commits, so without this the cache never hears
    of a revocation made in it (tokens.state writes tombstones on commit).
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


def clear_own_keys(which: BaseCache = cache) -> None:
    """
    Empty *which* of this test run's keys only. On the shared Redis that means
    the keys under this run's KEY_PREFIX (tests/settings.py makes it unique),
    never a FLUSHDB of a database other runs may use.
    """
    if not isinstance(which, RedisCache):
        which.clear()
        return
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=which.make_key("*"), count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def revocation_cache(settings):
    """Answer the revocation check from the default cache (Redis when REDIS_URL)."""
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "default"}
    clear_own_keys()
    yield cache
    clear_own_keys()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached session answers never leak between tests.
    clear_own_keys()
    throttles.fallback_cache().clear()
    throttles.shared_cache_health.reset()


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    """A private redis-server that the test may stall, restart or flush."""
    if not redis_server_available():
        pytest.skip(f"needs redis-server (not found at {REDIS_SERVER})")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def tracked_cache(settings, redis_server) -> BaseCache:
    """
    Answer the revocation check from a private Redis, through the tracked
    connection and local memory of tokens.state.
    """
    settings.CACHES = {
        **settings.CACHES,
        "private": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "t",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        },
    }
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "private"}
    return caches["private"]


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def rates(settings) -> Callable[..., None]:
    """Set throttle rates for one test: ``rates(login_ip="3/min", ...)``."""

    def set_rates(**scopes: str) -> None:
        base = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**base, **scopes},
        }

    return set_rates
