"""
Redis down, slow or coming back: no 500, sign-in still bounded, no error burst.

Each test starts its own ``redis-server`` (free port, own directory) and stops,
pauses or restarts it under the API. The policy under test (SECURITY.md,
"Throttling"): throttles count in each process's memory while the shared cache
fails, with the same rates, and return to the shared cache by themselves.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.accounts.conftest import STRONG_PASSWORD
from tests.conftest import PASSWORD
from tokens import throttles

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs redis-server on PATH"
)

LOGIN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
ACCEPTABLE = {200, 201, 202, 204, 400, 401, 429, 503}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server on 127.0.0.1: start, stop, pause, resume."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "", "--appendonly", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path, settings, monkeypatch):
    """A private Redis behind the default cache, throttles and revocation cache."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
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
    yield server
    server.stop()


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
def test_redis_up_the_throttles_count_in_redis(redis_server, api_client, user):
    """The premise: with Redis up, the counters live in Redis, not in memory."""
    attempt(api_client, user.email)
    assert any(key.startswith("throttle_") for key in cache_keys(redis_server))
    assert not throttles.fallback_cache()._cache


@pytest.mark.django_db
def test_redis_down_no_endpoint_answers_500(redis_server, api_client, user):
    """Login, refresh, register, reset, PATCH me/ and me/password/: served."""
    assert_all_served(every_endpoint(api_client, user))  # Redis up
    redis_server.stop()
    assert_all_served(every_endpoint(api_client, user))


def test_redis_down_sign_in_stays_bounded(redis_server, rates, api_client, user):
    """The per-process fallback refuses past its limit, as Redis would have."""
    rates(login_account_ip="3/min")
    redis_server.stop()
    for _ in range(3):
        assert attempt(api_client, user.email).status_code == HTTPStatus.UNAUTHORIZED
    response = attempt(api_client, user.email, PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_redis_down_is_logged_once_not_per_request(
    redis_server, api_client, user, caplog
):
    redis_server.stop()
    caplog.set_level("WARNING", logger="tokens.security")
    for _ in range(5):
        attempt(api_client, user.email)
    degraded = [
        r for r in caplog.records if getattr(r, "event", None) == "throttle_degraded"
    ]
    assert len(degraded) == 1
    assert degraded[0].reason in {"ConnectionError", "TimeoutError"}


@pytest.mark.django_db
def test_a_slow_redis_is_bounded_by_the_socket_timeout(redis_server, api_client, user):
    """A paused Redis (SIGSTOP): requests are served, not hung, then it resumes."""
    redis_server.pause()
    try:
        assert_all_served(every_endpoint(api_client, user))
    finally:
        redis_server.resume()
    time.sleep(0.4)  # past SHARED_CACHE_RETRY
    assert_all_served(every_endpoint(api_client, user))


@pytest.mark.django_db
def test_after_redis_returns_no_error_burst(redis_server, api_client, user):
    """Restarted on its port, Redis is used again; no request in between fails."""
    assert_all_served(every_endpoint(api_client, user))  # pooled connections
    redis_server.stop()
    assert_all_served(every_endpoint(api_client, user))
    redis_server.start()
    deadline = time.monotonic() + 5
    back = False
    while time.monotonic() < deadline and not back:
        # Every request across the return: none may fail.
        assert_all_served(every_endpoint(api_client, user))
        back = any(key.startswith("throttle_") for key in cache_keys(redis_server))
        time.sleep(0.1)
    assert back, "throttles did not return to Redis"


def cache_keys(server: RedisServer) -> list[str]:
    result = subprocess.run(
        ["redis-cli", "-p", str(server.port), "--scan"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    # Django's key format: "<prefix>:<version>:<key>".
    return [line.split(":", 2)[-1] for line in result.stdout.split()]


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
