"""
Scale-out: two independent gunicorn instances over one PostgreSQL and one Redis.

A session revoked through instance A is refused by instance B on its very next
request, also when Redis is flushed between the revocation and the requests.
The Redis is the test's own (tests/redis_server.py): it is flushed on purpose.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest

from tests.app_server import call, login, start_server, stop_server, wait_until_up
from tests.conftest import requires_postgres
from tests.redis_server import free_port

REQUESTS = 1000
PROTECTED = "/api/auth/sessions/"

pytestmark = [
    requires_postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def instances(redis_server) -> Iterator[tuple[str, str]]:
    """Start instances A and B (2 workers each) on free ports; stop them after."""
    ports = [free_port(), free_port()]
    processes = [start_server(port, REDIS_URL=redis_server.url) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            wait_until_up(base, process)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            stop_server(process)


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


def revoke_then_hammer(
    instances, user, flush: bool, redis_server=None
) -> tuple[int, float]:
    a, b = instances
    pair = login(a, user.email)
    # B has seen the session as valid: its "valid" answer is in Redis.
    for _ in range(5):
        assert call("GET", b + PROTECTED, access=pair["access"])[0] == HTTPStatus.OK
    status, _ = call("POST", f"{a}/api/auth/logout/", {"refresh": pair["refresh"]})
    assert status == HTTPStatus.NO_CONTENT
    revoked_at = time.monotonic()
    if flush:
        redis_server.client().flushall()
    accepted, first_refusal = hammer(b, pair["access"])
    assert first_refusal is not None
    return accepted, first_refusal - revoked_at


def test_session_revoked_on_a_is_refused_by_b(instances, user, record_property):
    """1,000 requests to B after a logout on A: none accepted."""
    accepted, delay = revoke_then_hammer(instances, user, flush=False)
    record_property("revoke_to_first_refusal_ms", round(delay * 1000, 1))
    print(f"\nrevoke on A to first refusal on B: {delay * 1000:.1f} ms")
    assert accepted == 0


def test_flushed_redis_does_not_resurrect_the_session(
    instances, redis_server, user, record_property
):
    """With Redis flushed after the revocation, B asks PostgreSQL: none accepted."""
    accepted, delay = revoke_then_hammer(instances, user, True, redis_server)
    record_property("revoke_flush_to_first_refusal_ms", round(delay * 1000, 1))
    print(f"\nrevoke on A, flush, first refusal on B: {delay * 1000:.1f} ms")
    assert accepted == 0
