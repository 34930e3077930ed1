"""
Redis down, slow or coming back: no 500, sign-in still bounded, no error burst.

Each test starts its own ``redis-server`` (tests/redis_server.py: free port,
own directory) and stops, pauses or restarts it under the API. The policy
under test (SECURITY.md, "Throttling"): throttles count in each process's
memory while the shared cache fails, with the same rates, and return to the
shared cache by themselves.
"""

from __future__ import annotations

import time
from http import HTTPStatus

import pytest
from django.core.cache import cache

from tests.accounts.conftest import STRONG_PASSWORD
from tests.conftest import PASSWORD
from tests.redis_server import RedisServer
from tokens import throttles

LOGIN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
ACCEPTABLE = {200, 201, 202, 204, 400, 401, 429, 503}


@pytest.fixture
def outage(redis_server, settings, monkeypatch) -> RedisServer:
    """The private Redis behind the default cache, throttles and revocation cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {
                "socket_connect_timeout": 0.2,
                "socket_timeout": 0.2,
                "retry_on_timeout": False,
            },
        }
    }
    settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "default"}
    # A short retry interval, so a test sees the return without waiting 5 s.
    monkeypatch.setattr(throttles, "SHARED_CACHE_RETRY", 0.3)
    return redis_server


def attempt(client, email, password="wrong password", ip="10.0.0.1"):
    return client.post(
        LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )


def assert_served(response) -> None:
    """Any answer but a 500; a 503 says when to come back."""
    assert response.status_code in ACCEPTABLE, (response.status_code, response.content)
    if response.status_code == HTTPStatus.SERVICE_UNAVAILABLE:
        assert int(response["Retry-After"]) > 0
    assert "application/json" in response["Content-Type"] or not response.content


EXPECTED = {
    "login": HTTPStatus.OK,
    "failed login": HTTPStatus.UNAUTHORIZED,
    "refresh": HTTPStatus.OK,
    "register": HTTPStatus.CREATED,
    "password reset": HTTPStatus.ACCEPTED,
    "PATCH me/": HTTPStatus.OK,
    "me/password/": HTTPStatus.BAD_REQUEST,
}


def every_endpoint(api_client, user) -> dict:
    """One request to each endpoint that throttles; name -> response."""
    responses = {"login": attempt(api_client, user.email, PASSWORD)}
    pair = responses["login"].json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {pair.get('access')}"}
    responses["failed login"] = attempt(api_client, user.email)
    responses["refresh"] = api_client.post(
        REFRESH, {"refresh": pair.get("refresh")}, format="json"
    )
    responses["register"] = api_client.post(
        "/api/accounts/register/",
        {"email": "new.one@example.com", "password": STRONG_PASSWORD},
        format="json",
    )
    responses["password reset"] = api_client.post(
        "/api/accounts/password-reset/", {"email": user.email}, format="json"
    )
    responses["PATCH me/"] = api_client.patch(
        "/api/accounts/me/", {"display_name": "Ada"}, format="json", **bearer
    )
    responses["me/password/"] = api_client.post(
        "/api/accounts/me/password/",
        {"current_password": "not it at all", "new_password": STRONG_PASSWORD},
        format="json",
        **bearer,
    )
    return responses


def assert_all_served(responses: dict) -> None:
    """Each endpoint answers as with Redis up: the fallback serves them."""
    for name, response in responses.items():
        assert_served(response)
        assert response.status_code == EXPECTED[name], (name, response.content)


@pytest.mark.django_db
def test_redis_up_the_throttles_count_in_redis(outage, api_client, user):
    """The premise: with Redis up, the counters live in Redis, not in memory."""
    attempt(api_client, user.email)
    assert any(key.startswith("throttle_") for key in cache_keys(outage))
    assert not throttles.fallback_cache()._cache


@pytest.mark.django_db
def test_redis_down_no_endpoint_answers_500(outage, api_client, user):
    """Login, refresh, register, reset, PATCH me/ and me/password/: served."""
    assert_all_served(every_endpoint(api_client, user))  # Redis up
    outage.stop()
    assert_all_served(every_endpoint(api_client, user))


def test_redis_down_sign_in_stays_bounded(outage, rates, api_client, user):
    """The per-process fallback refuses past its limit, as Redis would have."""
    rates(login_account_ip="3/min")
    outage.stop()
    for _ in range(3):
        assert attempt(api_client, user.email).status_code == HTTPStatus.UNAUTHORIZED
    response = attempt(api_client, user.email, PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_redis_down_is_logged_once_not_per_request(outage, api_client, user, caplog):
    outage.stop()
    caplog.set_level("WARNING", logger="tokens.security")
    for _ in range(5):
        attempt(api_client, user.email)
    degraded = [
        r for r in caplog.records if getattr(r, "event", None) == "throttle_degraded"
    ]
    assert len(degraded) == 1
    assert degraded[0].reason in {"ConnectionError", "TimeoutError"}


@pytest.mark.django_db
def test_a_slow_redis_is_bounded_by_the_socket_timeout(outage, api_client, user):
    """A paused Redis (SIGSTOP): requests are served, not hung, then it resumes."""
    outage.pause()
    try:
        assert_all_served(every_endpoint(api_client, user))
    finally:
        outage.resume()
    time.sleep(0.4)  # past SHARED_CACHE_RETRY
    assert_all_served(every_endpoint(api_client, user))


@pytest.mark.django_db
def test_after_redis_returns_no_error_burst(outage, api_client, user):
    """Restarted on its port, Redis is used again; no request in between fails."""
    assert_all_served(every_endpoint(api_client, user))  # pooled connections
    outage.stop()
    assert_all_served(every_endpoint(api_client, user))
    outage.start()
    deadline = time.monotonic() + 5
    back = False
    while time.monotonic() < deadline and not back:
        # Every request across the return: none may fail.
        assert_all_served(every_endpoint(api_client, user))
        back = any(key.startswith("throttle_") for key in cache_keys(outage))
        time.sleep(0.1)
    assert back, "throttles did not return to Redis"


def cache_keys(server: RedisServer) -> list[str]:
    # Django's key format: "<prefix>:<version>:<key>".
    keys = server.client().scan_iter(count=1000)
    return [key.decode().split(":", 2)[-1] for key in keys]


@pytest.fixture(autouse=True)
def _forget_cache_connections():
    yield
    cache.close()


@pytest.mark.parametrize("error", ["ConnectionError", "TimeoutError"])
def test_a_cache_error_that_reaches_the_edge_is_a_503(error):
    """The last line: any redis-py error a view lets through is a 503, never 500."""
    import redis.exceptions

    from config.exceptions import exception_handler

    response = exception_handler(getattr(redis.exceptions, error)(), {})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "5"
    assert "detail" in response.data
