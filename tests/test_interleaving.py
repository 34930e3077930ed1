"""
Revocations and requests interleaved across two processes, many times.

Process B has the session in local memory (it answered it valid twice, the
second time without a round trip). Process A revokes it through the service;
as soon as A has answered, B is asked again, and must refuse. Real processes,
real PostgreSQL, a real Redis of the test's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.app_server import database_url
from tests.conftest import requires_postgres
from tokens.models import Session

ROOT = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("INTERLEAVE_TRIALS", 10_000))

pytestmark = [
    requires_postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


class Worker:
    def __init__(self, redis_url: str) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "LOG_LEVEL": "ERROR",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.interleave_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer, "the worker died"
        return answer

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


PAIRS = 4  # pairs of processes (A revokes, B is asked), run side by side


@pytest.fixture
def pairs(redis_server):
    started = [
        (Worker(redis_server.url), Worker(redis_server.url)) for _ in range(PAIRS)
    ]
    yield started
    for a, b in started:
        a.stop()
        b.stop()


def trials(a: Worker, b: Worker, sessions: list, uid: str) -> tuple[Counter, Counter]:
    warm, after = Counter(), Counter()
    for session in sessions:
        sid = str(session.pk)
        b.ask(f"check {sid} {uid}")  # cold: the database, then cached
        warm[b.ask(f"check {sid} {uid}")] += 1
        assert a.ask(f"revoke {sid}") == "done"
        after[b.ask(f"check {sid} {uid}")] += 1
    return warm, after


def test_no_stale_accept_after_the_revocation_answered(pairs, user, record_property):
    """TRIALS logouts on an A, each followed by a request to a B: none accepted."""
    now = timezone.now()
    sessions = Session.objects.bulk_create(
        Session(
            id=uuid.uuid4(),
            user=user,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(days=1),
        )
        for _ in range(TRIALS)
    )
    uid = str(user.pk)
    with ThreadPoolExecutor(PAIRS) as pool:
        results = list(
            pool.map(lambda k: trials(*pairs[k], sessions[k::PAIRS], uid), range(PAIRS))
        )
    warm = sum((w for w, _ in results), Counter())
    after = sum((a for _, a in results), Counter())
    stale = sum(n for answer, n in after.items() if answer.startswith("ok"))
    record_property("stale_accepts", stale)
    record_property("trials", TRIALS)
    print(f"\nwarm answers: {dict(warm)}\nafter revocation: {dict(after)}")
    print("A stats:", [a.ask("stats") for a, _ in pairs])
    print("B stats:", [b.ask("stats") for _, b in pairs])
    assert sum(after.values()) == TRIALS
    assert stale == 0
    # The test means something only if B answered from memory before.
    assert warm["ok local"] > TRIALS * 0.9, warm
