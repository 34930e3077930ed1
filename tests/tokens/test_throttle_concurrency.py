"""
Sign-in throttles under a parallel burst: real threads, each with its own
PostgreSQL connection, counting in Redis (a private server: a shared one may
be flushed by others mid-test). A guess counts from the moment it is let in,
so no burst gets more guesses than the limit.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, requires_postgres, requires_redis

pytestmark = [
    requires_postgres,
    requires_redis,
    pytest.mark.django_db(transaction=True),
]

LOGIN = "/api/auth/token/"
BURST = 30
LIMIT = 10


class SlowHasher(MD5PasswordHasher):
    """A hasher as slow as a real one, so that the whole burst is in flight."""

    def verify(self, password, encoded):
        time.sleep(0.3)
        return super().verify(password, encoded)


def burst(email: str, password: str, count: int = BURST) -> Counter:
    """Send *count* sign-ins of one client at the same moment; count the statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def attempt() -> None:
        try:
            barrier.wait()
            response = APIClient().post(
                LOGIN,
                {"email": email, "password": password},
                format="json",
                REMOTE_ADDR="10.9.9.9",
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


@pytest.fixture
def slow_hashing(settings, make_user, redis_server):
    """A user whose password takes a while to check; throttles on a private Redis."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            # Thirty threads on a small machine: no timeout, hence no fallback
            # to counting in memory, which would be a second bucket.
            "OPTIONS": {"socket_timeout": 5},
        },
    }
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher"]
    return make_user()


def test_a_parallel_burst_gets_no_more_guesses_than_the_limit(rates, slow_hashing):
    """30 wrong passwords at once against a limit of 10: 10 checked, 20 refused."""
    rates(login_account_ip=f"{LIMIT}/hour", login_account="1000/hour")
    statuses = burst(slow_hashing.email, "wrong password")
    assert statuses == {
        HTTPStatus.UNAUTHORIZED: LIMIT,
        HTTPStatus.TOO_MANY_REQUESTS: 20,
    }
    # Every one of the ten failures was kept: the next guess waits too.
    assert burst(slow_hashing.email, "wrong password", count=1) == {
        HTTPStatus.TOO_MANY_REQUESTS: 1
    }


def test_the_per_account_ceiling_holds_under_a_burst_too(rates, slow_hashing):
    rates(login_account_ip="1000/hour", login_account=f"{LIMIT}/hour")
    statuses = burst(slow_hashing.email, "wrong password")
    assert statuses[HTTPStatus.UNAUTHORIZED] == LIMIT


def test_sign_ins_that_succeed_give_their_count_back(rates, slow_hashing):
    """After a burst of right passwords, nothing stays counted."""
    rates(login_account_ip="3/hour", login_account="3/hour")
    statuses = burst(slow_hashing.email, PASSWORD, count=3)
    assert statuses == {HTTPStatus.OK: 3}
    for _ in range(3):
        assert burst(slow_hashing.email, "wrong password", count=1) == {
            HTTPStatus.UNAUTHORIZED: 1
        }
    assert burst(slow_hashing.email, PASSWORD, count=1) == {
        HTTPStatus.TOO_MANY_REQUESTS: 1
    }
