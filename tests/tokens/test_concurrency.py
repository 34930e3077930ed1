"""
Exactly-once rotation under real concurrency: threads, each with its own
PostgreSQL connection, racing on one refresh token. SQLite serialises writers,
so these tests only mean something on PostgreSQL and are skipped elsewhere.
"""

import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from tests.conftest import requires_postgres
from tokens.models import RefreshTokenRecord, Session

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

REFRESH_URL = "/api/auth/token/refresh/"


def start_racers(token: str, count: int) -> tuple[list, list[threading.Thread]]:
    """Start *count* threads that send one refresh request each at the same moment."""
    barrier = threading.Barrier(count)
    responses: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = APIClient().post(
                REFRESH_URL, {"refresh": token}, format="json"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return responses, threads


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL serves pg_stat_activity from a
        # snapshot taken on first access: drop it to see the present.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@contextmanager
def session_row_held(count: int):
    """
    Hold the session's row lock until *count* requests are queued behind it,
    so that every request is provably in flight before any of them can rotate.
    """
    with transaction.atomic():
        Session.objects.select_for_update().get()
        yield
        deadline = time.monotonic() + 30
        while waiting_for_locks() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_for_locks() == count


def test_fifty_concurrent_refreshes_rotate_exactly_once(user, login):
    """Of 50 refreshes in flight together, one gets 200; one successor exists."""
    pair = login(user)
    with session_row_held(50):
        responses, threads = start_racers(pair["refresh"], 50)
    for thread in threads:
        thread.join()
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 401: 49}
    assert {r.json()["code"] for r in responses if r.status_code == 401} == {
        "token_already_rotated"
    }
    assert RefreshTokenRecord.objects.count() == 2
    assert RefreshTokenRecord.objects.filter(used_at__isnull=True).count() == 1
    # Losing a race is not an attack: the session lives on.
    assert Session.objects.get().revoked_at is None


def test_unsynchronised_refreshes_never_branch(user, login):
    """
    Requests that arrive after the rotation committed are retries inside the
    grace period: they get the very same successor, never a second one.
    """
    pair = login(user)
    responses, threads = start_racers(pair["refresh"], 50)
    for thread in threads:
        thread.join()
    successes = [r.json()["refresh"] for r in responses if r.status_code == 200]
    assert len(set(successes)) == 1
    assert {r.status_code for r in responses} <= {200, 401}
    assert RefreshTokenRecord.objects.count() == 2
    assert Session.objects.get().revoked_at is None


def test_concurrent_replays_after_grace_revoke_the_session_once(user, login, settings):
    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}
    pair = login(user)
    APIClient().post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    responses, threads = start_racers(pair["refresh"], 20)
    for thread in threads:
        thread.join()
    assert {r.status_code for r in responses} == {401}
    assert Session.objects.get().revoked_reason == "reuse_detected"
    assert RefreshTokenRecord.objects.count() == 2
