"""
Scale-out: two independent gunicorn instances over one PostgreSQL and one Redis.

A session revoked through instance A is refused by instance B on its very next
request, also when Redis is flushed between the revocation and the requests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from tests.conftest import PASSWORD, requires_postgres, requires_redis

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 1000
PROTECTED = "/api/auth/sessions/"

pytestmark = [
    requires_postgres,
    requires_redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """Return the URL of the test database, which the servers must share."""
    s = connection.settings_dict
    user = s["USER"] or ""
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    auth = f"{user}{password}@" if user else ""
    return (
        f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESSLOG": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(f"{base}/api/health/", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"{base} did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def instances() -> Iterator[tuple[str, str]]:
    """Start instances A and B (2 workers each) on free ports; stop them after."""
    ports = [free_port(), free_port()]
    processes = [start_server(port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            wait_until_up(base, process)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            stop_server(process)


def call(method: str, url: str, body: dict | None = None, access: str = "") -> tuple:
    """Return (status, JSON body or None) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if access:
        headers["Authorization"] = f"Bearer {access}"
    request = urllib.request.Request(url, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def login(base: str, email: str) -> dict:
    status, pair = call(
        "POST", f"{base}/api/auth/token/", {"email": email, "password": PASSWORD}
    )
    assert status == HTTPStatus.OK
    return pair


def hammer(base: str, access: str) -> tuple[int, float | None]:
    """Send REQUESTS requests; return how many were accepted and when the
    first refusal arrived (time.monotonic())."""

    def one(_: int) -> tuple[int, float]:
        status, _body = call("GET", base + PROTECTED, access=access)
        return status, time.monotonic()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(REQUESTS)))
    accepted = sum(status == HTTPStatus.OK for status, _ in results)
    refusals = [at for status, at in results if status == HTTPStatus.UNAUTHORIZED]
    return accepted, min(refusals, default=None)


def revoke_then_hammer(instances, user, flush: bool) -> tuple[int, float]:
    a, b = instances
    pair = login(a, user.email)
    # B has seen the session as valid: its "valid" answer is in Redis.
    for _ in range(5):
        assert call("GET", b + PROTECTED, access=pair["access"])[0] == HTTPStatus.OK
    status, _ = call("POST", f"{a}/api/auth/logout/", {"refresh": pair["refresh"]})
    assert status == HTTPStatus.NO_CONTENT
    revoked_at = time.monotonic()
    if flush:
        cache.clear()
    accepted, first_refusal = hammer(b, pair["access"])
    assert first_refusal is not None
    return accepted, first_refusal - revoked_at


def test_session_revoked_on_a_is_refused_by_b(instances, user, record_property):
    """1,000 requests to B after a logout on A: none accepted."""
    accepted, delay = revoke_then_hammer(instances, user, flush=False)
    record_property("revoke_to_first_refusal_ms", round(delay * 1000, 1))
    print(f"\nrevoke on A to first refusal on B: {delay * 1000:.1f} ms")
    assert accepted == 0


def test_flushed_redis_does_not_resurrect_the_session(instances, user, record_property):
    """With Redis flushed after the revocation, B asks PostgreSQL: none accepted."""
    accepted, delay = revoke_then_hammer(instances, user, flush=True)
    record_property("revoke_flush_to_first_refusal_ms", round(delay * 1000, 1))
    print(f"\nrevoke on A, flush, first refusal on B: {delay * 1000:.1f} ms")
    assert accepted == 0
