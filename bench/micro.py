"""
In-process cost of each authentication class: CPU time per ``authenticate()``.

CPU time of one process hardly depends on what else the machine runs, so this
separates the classes' own cost from the load test's noise. Cases are timed in
interleaved rounds, like the load test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from statistics import median
from typing import Any

CALLS = 2000


def cases(user) -> dict[str, Callable[[], Any]]:
    """Return one zero-argument call per case, each authenticating a request."""
    from knox.auth import TokenAuthentication as KnoxAuthentication
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory
    from rest_framework_simplejwt.authentication import (
        JWTAuthentication,
        JWTStatelessUserAuthentication,
    )

    from bench import fixtures
    from tokens.authentication import SessionJWTAuthentication
    from tokens.revocation import get_state

    factory = APIRequestFactory()

    def request(auth: str) -> Request:
        return Request(factory.get("/", HTTP_AUTHORIZATION=auth))

    ours = request(f"Bearer {fixtures.ours_pair(user).access}")
    simplejwt = request(f"Bearer {fixtures.simplejwt_refresh(user).access_token}")
    knox = request(f"Token {fixtures.knox_token(user)}")
    state = get_state()
    return {
        "ours": lambda: SessionJWTAuthentication().authenticate(ours),
        "simplejwt": lambda: JWTAuthentication().authenticate(simplejwt),
        "stateless": lambda: JWTStatelessUserAuthentication().authenticate(simplejwt),
        "knox": lambda: KnoxAuthentication().authenticate(knox),
        "ours_cache_read": lambda: state.lookup("00000000-0000-0000-0000-000000000000"),
    }


def run(user, rounds: int) -> dict[str, dict[str, float]]:
    """Return the median CPU and wall microseconds per call of every case."""
    calls = cases(user)
    for call in calls.values():
        call()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    for _ in range(max(3, rounds)):
        for name, call in calls.items():
            samples[name].append(_time(call))
    return {
        name: {
            "cpu_us": median(cpu for cpu, _ in runs),
            "wall_us": median(wall for _, wall in runs),
        }
        for name, runs in samples.items()
    }


def _time(call: Callable[[], Any]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(CALLS):
        call()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / CALLS * 1e6, wall / CALLS * 1e6
