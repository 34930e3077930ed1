"""
Micro-benchmark of the revocation check's fast path: an answer from local
memory against one read from Redis (the same check with local memory off),
and a bare MGET round trip for scale.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/hot_path_local.py
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from tokens.models import Session  # noqa: E402
from tokens.revocation import keys, registry  # noqa: E402

N = int(os.environ.get("BENCH_N", 20_000))


def per_call_us(fn, n: int = N) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    user = get_user_model().objects.create_user(f"bench-{uuid.uuid4()}@example.com")
    now = timezone.now()
    session = Session.objects.create(
        user=user, created_at=now, last_used_at=now, expires_at=now + timedelta(1)
    )
    sid, uid = str(session.pk), str(user.pk)
    # Plain settings, as in production (override_settings slows every read).
    settings.TOKENS.update(CACHE_ALIAS="default", CACHE_LEASE=timedelta(1))
    try:
        check = lambda: check.session_user_get(session_id=sid, user_id=uid)  # noqa: E731
        local = per_call_us(check)
        settings.TOKENS["CACHE_LOCAL_ENTRIES"] = 0
        registry._reset_states(setting="TOKENS")  # a fresh process, memory off
        remote = per_call_us(check)
        client = registry.get_state()
        key = client.make_key(keys.rev_key(sid))

        def mget() -> None:
            client._call(("MGET", key, client.epoch_key, client.lease_key))

        bare = per_call_us(mget)
        print(f"check from local memory: {local:8.2f} us per call")
        print(f"check from Redis:        {remote:8.2f} us per call")
        print(f"bare MGET round trip:    {bare:8.2f} us per call")
    finally:
        user.delete()


if __name__ == "__main__":
    main()
