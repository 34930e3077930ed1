"""
Does a password reset tell, by the timing of the *next* request, whether the
address has an account?

A reset of an existing address sends a mail; one of an unknown address sends
nothing. This serves the project with gunicorn (one sync worker, so that the
follow-up request lands on the worker that answered the reset), asks for a
reset, at once times a follow-up request (``GET /api/health/``), and compares
the medians over ROUNDS tries of each kind, interleaved. It does so twice:

- ``immediate``: mail sent by the request worker after its response (the
  project before mail moved to a task);
- ``database``: mail queued for ``manage.py db_worker`` (the project now).

    .venv/bin/python -m bench.reset_timing [--rounds 30]

DATABASE_URL chooses the database (default: a temporary SQLite file).
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
EXISTING = "reset-probe@example.com"
UNKNOWN = "nobody-here@example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, tasks_backend: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.reset_settings",
        DATABASE_URL=database_url,
        TASKS_BACKEND=tasks_backend,
        PYTHONPATH=str(REPO),
    )
    env.pop("REDIS_URL", None)  # throttles and revocation cache: not measured here
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PY, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
    )


def prepare(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput")
    script = (
        "from accounts.models import User;"
        f"User.objects.filter(email={EXISTING!r}).exists() or "
        f"User.objects.create_user({EXISTING!r}, 'a long probe passphrase 1')"
    )
    manage(env, "shell", "-c", script)


@contextmanager
def serving(env: dict[str, str], port: int, with_worker: bool):
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    if with_worker:
        worker = subprocess.Popen(
            [PY, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        wait_until_up(port)
        yield
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)


def wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            request(port, "GET", "/api/health/")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def request(port: int, method: str, path: str, body: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    data = json.dumps(body) if body is not None else None
    connection.request(method, path, body=data, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def follow_up_ms(port: int, email: str) -> float:
    status = request(port, "POST", "/api/accounts/password-reset/", {"email": email})
    assert status == 202, status
    start = time.perf_counter()
    assert request(port, "GET", "/api/health/") == 200
    return (time.perf_counter() - start) * 1000


def probe(port: int, rounds: int) -> dict[str, list[float]]:
    for _ in range(5):  # warm up imports, connections and caches
        follow_up_ms(port, EXISTING)
        follow_up_ms(port, UNKNOWN)
    times: dict[str, list[float]] = {"existing": [], "unknown": []}
    for index in range(rounds):
        # Alternate which comes first, so that drift cannot favour one kind.
        order = [("existing", EXISTING), ("unknown", UNKNOWN)]
        for kind, email in order if index % 2 == 0 else order[::-1]:
            times[kind].append(follow_up_ms(port, email))
            time.sleep(0.05)  # let the worker finish what the reset left
    return times


def best_guess(times: dict[str, list[float]]) -> float:
    """
    The share of single tries an observer classifies correctly with the best
    threshold on the follow-up's time (50 % is a coin toss).
    """
    existing, unknown = times["existing"], times["unknown"]
    total = len(existing) + len(unknown)
    best = 0.5
    for threshold in sorted(existing + unknown):
        slower = sum(t > threshold for t in existing) + sum(
            t <= threshold for t in unknown
        )
        best = max(best, slower / total, (total - slower) / total)
    return best


def quartiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="tries of each kind")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/probe.db"
        rows = []
        for backend in ("immediate", "database"):
            env = environment(database_url, backend)
            prepare(env)
            port = free_port()
            with serving(env, port, with_worker=backend == "database"):
                times = probe(port, options.rounds)
            rows.append((backend, times))
    engine = database_url.split(":", 1)[0]
    print(f"Follow-up request after a reset, {options.rounds} tries each ({engine}):\n")
    print(
        "| mail sent by | existing: median (IQR) ms | unknown: median (IQR) ms "
        "| difference of medians | best single-try guess |"
    )
    print("| --- | --- | --- | --- | --- |")
    for backend, times in rows:
        cells = []
        for kind in ("existing", "unknown"):
            low, high = quartiles(times[kind])
            cells.append(f"{statistics.median(times[kind]):.2f} ({low:.2f}–{high:.2f})")
        difference = statistics.median(times["existing"]) - statistics.median(
            times["unknown"]
        )
        who = "request worker" if backend == "immediate" else "tasks worker"
        print(
            f"| {who} (`{backend}`) | {cells[0]} | {cells[1]} "
            f"| {difference:+.2f} ms | {best_guess(times):.0%} |"
        )


if __name__ == "__main__":
    main()
