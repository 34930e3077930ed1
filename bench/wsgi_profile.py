"""
CPU per request through Django's WSGI handler in one process, and its profile.

The load test measures a worker's CPU among wrk, PostgreSQL and Redis on the
same cores; this calls the WSGI application directly (no server, no socket to
the client), case after case in interleaved rounds, so that what an
authentication class adds to a request is seen apart from the rest. With
``--profile CASE`` it also writes a cProfile of that case (``.prof``, for
``python -m pstats`` or snakeviz).

    DATABASE_URL=postgres://127.0.0.1:5432/revocable_jwt_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python -m bench.wsgi_profile [--profile ours] [CASE ...]

The database must be migrated with ``bench.settings`` (``python -m bench``
does it).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from statistics import median

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

CALLS = 2000


def cases() -> dict[str, tuple[str, str | None]]:
    """Return case -> (path, Authorization header), with fresh tokens."""
    from bench import fixtures

    user = fixtures.user_get_or_create("wsgi-profile@example.com")
    ours = f"Bearer {fixtures.ours_pair(user).access}"
    simplejwt = f"Bearer {fixtures.simplejwt_refresh(user).access_token}"
    return {
        "none": ("/bench/none/", None),
        "ours": ("/bench/ours/", ours),
        "stateless": ("/bench/stateless/", simplejwt),
        "simplejwt": ("/bench/simplejwt/", simplejwt),
        "me_ours": ("/api/accounts/me/", ours),
        "me_simplejwt": ("/bench/simplejwt/me/", simplejwt),
    }


def caller(app: Callable, path: str, authorization: str | None) -> Callable[[], None]:
    """Return a call of *app* for GET *path*; it fails on anything but a 200."""
    base = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    if authorization:
        base["HTTP_AUTHORIZATION"] = authorization
    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses.append(status)

    def call() -> None:
        response = app({**base, "wsgi.input": io.BytesIO()}, start_response)
        b"".join(response)
        response.close()
        status = statuses.pop()
        if not status.startswith("200"):
            raise SystemExit(f"{path}: {status}")

    return call


def cpu_us(call: Callable[[], None]) -> float:
    start = time.process_time()
    for _ in range(CALLS):
        call()
    return (time.process_time() - start) / CALLS * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wsgi_profile")
    parser.add_argument("cases", nargs="*", help="default: all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", metavar="CASE", help="also write CASE.prof")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    known = cases()
    names = args.cases or list(known)
    calls = {name: caller(app, *known[name]) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for call in calls.values():
        call()
    for _ in range(args.rounds):
        for name, call in calls.items():
            samples[name].append(cpu_us(call))
    base = median(samples["none"]) if "none" in samples else None
    for name in names:
        value = median(samples[name])
        extra = f"  (+{value - base:.1f} over none)" if base and name != "none" else ""
        print(f"{name:14s} {value:8.1f} µs CPU per request{extra}")
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        call = caller(app, *known[args.profile])
        profiler.runcall(lambda: [call() for _ in range(CALLS)])
        profiler.dump_stats(f"{args.profile}.prof")
        print(f"wrote {args.profile}.prof ({CALLS} requests)")


if __name__ == "__main__":
    main()
