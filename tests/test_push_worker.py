"""
The push worker as it runs in production: its own process, over the shared
PostgreSQL database. It wakes on NOTIFY as soon as a revocation commits (its
fallback interval here is 60 s, so nothing else could deliver in time), and
an event recorded while it is dead goes out when it is back: none is lost.
Delivery is at least once (a worker killed between a push and its commit
pushes that event again), in order; receivers deduplicate by ``jti``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from tests.app_server import ROOT, database_url
from tests.conftest import requires_postgres
from tests.tokens.test_keys import asymmetric_entry
from tests.tokens.test_shared_signals import Receiver, _verified
from tokens import services
from tokens.models import ResourceServer, RevocationReason
from tokens.ssf.models import DeliveryMethod, EventStream, PendingEvent

pytestmark = [requires_postgres, pytest.mark.slow]

KEY = asymmetric_entry("EdDSA", "events")
FALLBACK_INTERVAL = "60"


@pytest.fixture
def signals_on(settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "SECURITY_EVENTS": True,
        "SIGNING_KEYS": [KEY],
        "ACTIVE_KID": "events",
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    import threading

    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def stream(transactional_db, signals_on, receiver) -> EventStream:
    server, _secret = ResourceServer.objects.create_with_secret(name="orders")
    return EventStream.objects.create(
        resource_server=server,
        delivery_method=DeliveryMethod.PUSH,
        endpoint_url=receiver.url,
    )


@pytest.fixture
def worker() -> Iterator[Callable[[], subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "JWT_KEYS": json.dumps([KEY]),
            "JWT_ACTIVE_KID": "events",
            "SECURITY_EVENTS": "1",
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", "pushsecurityevents"]
            + ["--interval", FALLBACK_INTERVAL],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _revoke(user) -> str:
    pair = services.session_create(user=user)
    services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    return str(pair.session.pk)


def _delivered_sids(receiver: Receiver, audience: str) -> list[str]:
    claims = [_verified(body, audience) for body, _, _ in list(receiver.received)]
    return [c["sub_id"]["session"]["id"] for c in claims]


def test_the_worker_wakes_on_the_commit(stream, receiver, worker, user):
    worker()
    time.sleep(1)  # let it reach its first wait, LISTENing
    sid = _revoke(user)
    # Well inside the 60 s fallback interval: only the NOTIFY can have woken it.
    assert _wait_for(lambda: len(receiver.received) == 1, 10)
    assert _delivered_sids(receiver, stream.audience) == [sid]
    assert _wait_for(lambda: not PendingEvent.objects.exists(), 5)


def test_events_recorded_while_the_worker_is_dead_are_delivered(
    stream, receiver, worker, user
):
    first = worker()
    time.sleep(1)
    sids = [_revoke(user)]
    assert _wait_for(lambda: not PendingEvent.objects.exists(), 10)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    sids += [_revoke(user) for _ in range(5)]
    assert PendingEvent.objects.count() == 5
    worker()
    assert _wait_for(lambda: len(receiver.received) == 6, 15)
    assert _delivered_sids(receiver, stream.audience) == sids


def test_a_receiver_that_comes_back_gets_everything_in_order(
    stream, receiver, worker, user
):
    receiver.status = 503
    worker()
    time.sleep(1)
    sids = [_revoke(user) for _ in range(3)]
    assert _wait_for(lambda: len(receiver.received) >= 2, 10)  # tried and retried
    assert PendingEvent.objects.count() == 3
    receiver.status = 202
    receiver.received.clear()
    # Retried with back-off (0.25 s doubling, at most SSF_PUSH_MAX_BACKOFF).
    assert _wait_for(lambda: not PendingEvent.objects.exists(), 30)
    assert _delivered_sids(receiver, stream.audience)[-3:] == sids
