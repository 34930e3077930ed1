"""
Run the benchmark end to end: ``python -m bench [--quick]`` (or bench/run.sh).

Creates the database, migrates, serves the project with gunicorn, loads it
with wrk in interleaved rounds, and writes BENCHMARKS.md and docs/bench.png.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.load import ROOT, Load, Server, http_status, run_wrk

DEFAULT_DATABASE_URL = "postgres://127.0.0.1:5432/revocable_jwt_bench"
# Each group's results are saved as soon as it ends (BENCHMARKS.md included),
# so a run cut short still reports what it measured.
GROUPS = (
    "auth", "refresh", "flush", "memory", "micro", "login", "revoked", "receiver",
)  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, small tables")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds per case")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=20800, help="first of 4 ports")
    parser.add_argument("--groups", default=",".join(GROUPS))
    parser.add_argument("--revoked", default="10000,1000000", help="table sizes")
    parser.add_argument("--flush-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--flush-args",
        default="--batch-size 1000 --pause 0.25",
        help="options of flushexpiredtokens in the flush group",
    )
    parser.add_argument(
        "--memory-sessions",
        type=int,
        default=None,
        help="distinct sessions sent to one worker in the memory group "
        "(default: 100000; 5000 with --quick)",
    )
    parser.add_argument("--output", default="BENCHMARKS.md")
    parser.add_argument("--plot", default="docs/bench.png")
    parser.add_argument("--json", default="", help="also dump raw results here")
    parser.add_argument(
        "--from-json", default="", help="only rewrite the report from a --json dump"
    )
    parser.add_argument(
        "--keep",
        default="",
        help="a --json dump whose groups this run keeps unless it measures them",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.warmup = 2, 2, 1
        args.revoked, args.flush_rows = "1000,20000", 20000
    if args.memory_sessions is None:
        args.memory_sessions = 5000 if args.quick else 100_000
    args.groups = [g for g in args.groups.split(",") if g]
    args.revoked = [int(n) for n in args.revoked.split(",")]
    return args


def prepare_environment() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def private_redis():
    """
    Start a redis-server of the run's own when REDIS_URL names none; return it.

    A Redis that other programs use is not a measurement: every FLUSHDB of any
    of its databases makes Redis tell each tracking connection to drop what it
    holds, and a process's local copy of the revocation cache starts empty
    again.
    """
    if os.environ.get("REDIS_URL"):
        return None
    from tests.redis_server import RedisServer

    server = RedisServer(Path(tempfile.mkdtemp(prefix="bench-redis-"))).start()
    os.environ["REDIS_URL"] = server.url
    return server


def database_create() -> None:
    """Create the database named by DATABASE_URL if it does not exist."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def manage(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, check=True, env=os.environ
    )


# Rounds ------------------------------------------------------------------------

Case = Callable[[], Load]


def run_rounds(cases: dict[str, Case], args: argparse.Namespace) -> dict[str, list]:
    """Warm every case up, then run them interleaved: A B C ... A B C ..."""
    for name, make_load in cases.items():
        log(f"  warm-up {name}")
        run_wrk(make_load(), args.warmup)
    results: dict[str, list] = {name: [] for name in cases}
    for round_no in range(args.rounds):
        for name, make_load in cases.items():
            result = run_wrk(make_load(), args.duration)
            log(
                f"  round {round_no + 1} {name}: {result['rps']:.0f} req/s, "
                f"p99 {result['p99_us'] / 1000:.1f} ms, "
                f"{result.get('cpu_us', 0):.0f} us CPU/req, "
                f"{result['status_errors']} non-2xx"
            )
            results[name].append(result)
    return results


def log(message: str) -> None:
    print(message, flush=True)


# Groups ------------------------------------------------------------------------


def micro_group(ctx: dict, args: argparse.Namespace) -> dict:
    """In-process CPU per authenticate() call of each class."""
    from bench import micro

    result = micro.run(ctx["user"], args.rounds)
    for name, cost in result.items():
        log(f"  {name}: {cost['cpu_us']:.1f} us CPU, {cost['wall_us']:.1f} us wall")
    return result


def auth_group(ctx: dict, args: argparse.Namespace) -> dict:
    """The same small view behind each authentication class."""
    from bench import fixtures

    user = ctx["user"]
    url = ctx["main"].url
    ours = f"Bearer {fixtures.ours_pair(user).access}"
    simplejwt = f"Bearer {fixtures.simplejwt_refresh(user).access_token}"
    headers = {
        "none": ("/bench/none/", ""),
        "ours": ("/bench/ours/", ours),
        "simplejwt": ("/bench/simplejwt/", simplejwt),
        "stateless": ("/bench/stateless/", simplejwt),
        "knox": ("/bench/knox/", f"Token {fixtures.knox_token(user)}"),
        "me": ("/api/accounts/me/", ours),
        "me_simplejwt": ("/bench/simplejwt/me/", simplejwt),
        "profile": (f"/api/profiles/{user.pk}/", ours),
        "profile_simplejwt": (f"/bench/simplejwt/profiles/{user.pk}/", simplejwt),
    }
    cases, skipped = {}, {}
    for name, (path, auth) in headers.items():
        status = http_status(url + path, auth)
        if status != 200:
            skipped[name] = f"GET {path} answered {status}"
            continue
        cases[name] = _fixed(
            Load(
                url + path,
                env={"BENCH_AUTH": auth},
                connections=args.connections,
                server=ctx["main"],
            )
        )
    return {"rounds": run_rounds(cases, args), "skipped": skipped}


def _fixed(load: Load) -> Case:
    return lambda: load


def refresh_group(ctx: dict, args: argparse.Namespace) -> dict:
    """Rotation chains: each wrk thread sends the successor it was last given."""
    from bench import fixtures

    user, chains = ctx["user"], 2 * args.workers

    def ours() -> Load:
        tokens = [fixtures.ours_pair(user).refresh for _ in range(chains)]
        return _chains(ctx["main"], "/api/auth/token/refresh/", tokens)

    def simplejwt() -> Load:
        tokens = [str(fixtures.simplejwt_refresh(user)) for _ in range(chains)]
        return _chains(ctx["main"], "/bench/simplejwt/refresh/", tokens)

    return {"rounds": run_rounds({"ours": ours, "simplejwt": simplejwt}, args)}


def _chains(server: Server, path: str, tokens: list[str]) -> Load:
    env = {"BENCH_TOKENS": ",".join(tokens)}
    count = len(tokens)
    return Load(server.url + path, "post.lua", env, count, count, server)


def login_group(ctx: dict, args: argparse.Namespace) -> dict:
    """Sign-in with the password hashed by Argon2id (OWASP) or PBKDF2 (Django)."""
    connections = 2 * args.workers
    # A PBKDF2 sign-in takes most of a second of CPU: a shorter run may see none.
    args = argparse.Namespace(**{**vars(args), "duration": max(args.duration, 5)})

    def login(server: Server, email: str) -> Case:
        body = json.dumps({"email": email, "password": ctx["password"]})
        load = Load(
            server.url + "/api/auth/token/",
            "post.lua",
            {"BENCH_BODY": body},
            connections=connections,
            server=server,
        )
        return _fixed(load)

    cases = {
        "argon2id": login(ctx["main"], ctx["user"].email),
        "pbkdf2": login(ctx["pbkdf2"], ctx["pbkdf2_user"].email),
    }
    return {"rounds": run_rounds(cases, args)}


def revoked_group(ctx: dict, args: argparse.Namespace) -> dict:
    """The revocation check with many revoked sessions in the table."""
    from bench import fixtures

    user = ctx["user"]
    access = f"Bearer {fixtures.ours_pair(user).access}"
    rounds = {}
    for size in args.revoked:
        log(f"  inserting {size} revoked sessions")
        fixtures.bulk_sessions(user=user, count=size)
        cases = {
            f"cache_{size}": _fixed(_auth(ctx["main"], access, args)),
            f"database_{size}": _fixed(_auth(ctx["nocache"], access, args)),
        }
        rounds.update(run_rounds(cases, args))
    fixtures.bulk_sessions_clear()
    return {"rounds": rounds, "sizes": args.revoked}


def _auth(server: Server, auth: str, args: argparse.Namespace) -> Load:
    return Load(
        server.url + "/bench/ours/",
        env={"BENCH_AUTH": auth},
        connections=args.connections,
        server=server,
    )


def flush_group(ctx: dict, args: argparse.Namespace) -> dict:
    """Authenticated traffic before and while flushexpiredtokens deletes rows."""
    from bench import fixtures

    command = ROOT / "tokens" / "management" / "commands" / "flushexpiredtokens.py"
    if not command.exists():
        return {"skipped": "the flushexpiredtokens command does not exist"}
    user = ctx["user"]
    load = _auth(ctx["main"], f"Bearer {fixtures.ours_pair(user).access}", args)
    log(f"  inserting {args.flush_rows} expired sessions")
    fixtures.bulk_sessions(user=user, count=args.flush_rows, expired=True)
    run_wrk(load, args.warmup)
    # Idle runs before and after the flush: the machine's load drifts over the
    # minutes the flush takes, and the median of both sides follows it.
    idle = [run_wrk(load, min(args.duration, 5)) for _ in range(IDLE_RUNS)]
    started = time.monotonic()
    flush = subprocess.Popen(
        [sys.executable, "manage.py", "flushexpiredtokens", *args.flush_args.split()],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
    )
    during = []
    while flush.poll() is None and len(during) < 60:
        during.append(run_wrk(load, min(args.duration, 5)))
    flush.wait()
    elapsed = time.monotonic() - started
    idle += [run_wrk(load, min(args.duration, 5)) for _ in range(IDLE_RUNS)]
    fixtures.bulk_sessions_clear()
    return {
        "idle_runs": idle,
        "during": during,
        "flush_seconds": elapsed,
        "returncode": flush.returncode,
        "rows": args.flush_rows,
        "command": f"manage.py flushexpiredtokens {args.flush_args}".strip(),
    }


MEMORY_STEPS = 5
IDLE_RUNS = 3


def memory_group(ctx: dict, args: argparse.Namespace) -> dict:
    """
    One worker's resident memory while it sees many distinct sessions: each
    request carries the access token of a session not seen before.
    """
    from bench import fixtures

    server = ctx["memory"]
    worker = server.worker_pids()[0]
    log(f"  minting {args.memory_sessions} sessions' access tokens")
    tokens = fixtures.bulk_access_tokens(user=ctx["user"], count=args.memory_sessions)
    warm = f"Bearer {fixtures.ours_pair(ctx['user']).access}"
    run_wrk(_auth(server, warm, args), args.warmup)
    rss = [{"sessions": 0, "rss_kib": vm_rss_kib(worker), **local_copy(server)}]
    bound = local_cache_bound()
    runs = []
    step = -(-len(tokens) // MEMORY_STEPS)
    with tempfile.TemporaryDirectory() as tmp:
        for start in range(0, len(tokens), step):
            path = Path(tmp) / f"tokens-{start}.txt"
            path.write_text("\n".join(tokens[start : start + step]) + "\n")
            load = Load(
                server.url + "/bench/ours/",
                "many.lua",
                {"BENCH_TOKEN_FILE": str(path)},
                connections=args.connections,
                server=server,
                done_file=str(Path(tmp) / f"done-{start}"),
            )
            runs.append(run_wrk(load, 3600))
            seen = min(start + step, len(tokens))
            rss.append(
                {"sessions": seen, "rss_kib": vm_rss_kib(worker), **local_copy(server)}
            )
            log(
                f"  {seen} sessions seen: VmRSS {rss[-1]['rss_kib'] / 1024:.1f} MiB, "
                f"local copy {rss[-1]['local']} sessions, dropped {rss[-1]['drops']}×"
            )
            ctx["save"]("memory", {"rss": rss, "runs": runs, "bound": bound})
    fixtures.bulk_sessions_clear()
    return {"rss": rss, "runs": runs, "bound": bound}


def local_copy(server: Server) -> dict[str, int]:
    """Ask the (one-worker) server how full its local copy is, and how often
    it was dropped (a reconnect, a timeout, a flush of the Redis server)."""
    with urllib.request.urlopen(server.url + "/bench/state/", timeout=10) as answer:
        return json.load(answer)


def vm_rss_kib(pid: int) -> int:
    """Return the resident set size of process *pid*, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def local_cache_bound() -> int | None:
    """Return the bound on a process's local copy of the revocation cache, if any."""
    from tokens.app_settings import app_settings

    return getattr(app_settings, "CACHE_LOCAL_ENTRIES", None)


def receiver_group(ctx: dict, args: argparse.Namespace) -> dict:
    """In-process CPU per verification: the receiver against plain PyJWT."""
    from bench import receiver

    result = receiver.run(args.rounds)
    for alg, value in result["ratios"].items():
        log(f"  receiver/plain {alg}: {value:.3f}x CPU")
    return result


GROUP_FUNCTIONS = {
    "micro": micro_group,
    "receiver": receiver_group,
    "auth": auth_group,
    "refresh": refresh_group,
    "login": login_group,
    "revoked": revoked_group,
    "flush": flush_group,
    "memory": memory_group,
}


# Main --------------------------------------------------------------------------


def servers_for(args: argparse.Namespace) -> dict[str, Server]:
    servers = {"main": Server("main", args.port, args.workers)}
    if "login" in args.groups:
        servers["pbkdf2"] = Server(
            "pbkdf2", args.port + 1, args.workers, {"BENCH_HASHER": "pbkdf2"}
        )
    if "memory" in args.groups:
        servers["memory"] = Server("memory", args.port + 3, 1)
    if "revoked" in args.groups:
        servers["nocache"] = Server(
            "nocache", args.port + 2, args.workers, {"BENCH_CACHE": "0"}
        )
    return servers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        from bench import report

        saved = json.loads(Path(args.from_json).read_text())
        report.write(saved["results"], saved["machine"], args)
        return 0
    prepare_environment()
    redis_server = private_redis()
    try:
        return run(args)
    finally:
        if redis_server is not None:
            redis_server.stop()


def run(args: argparse.Namespace) -> int:
    log(f"database: create and migrate; Redis at {os.environ['REDIS_URL']}")
    database_create()
    manage("migrate", "--noinput", "-v", "0")

    import django

    django.setup()
    from bench import fixtures, report

    ctx: dict = {
        "user": fixtures.user_get_or_create("bench@example.com"),
        "pbkdf2_user": fixtures.user_get_or_create(
            "bench-pbkdf2@example.com", "pbkdf2"
        ),
        "password": fixtures.PASSWORD,
    }
    machine = report.machine_facts(args, fixtures.server_versions())
    servers = servers_for(args)
    # --keep: the groups this run does not measure come from an earlier dump.
    results: dict = (
        json.loads(Path(args.keep).read_text())["results"] if args.keep else {}
    )

    def save(group: str, result: dict) -> None:
        results[group] = result
        if args.json:
            dump = {"machine": machine, "results": results}
            Path(args.json).write_text(json.dumps(dump))
        report.write(results, machine, args)

    ctx["save"] = save
    # SIGTERM (a timeout) unwinds like Ctrl-C, so the servers are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        for server in servers.values():
            server.start()
        ctx.update(servers)
        for group in args.groups:
            log(f"{group}:")
            save(group, GROUP_FUNCTIONS[group](ctx, args))
            log(f"  wrote {args.output} and {args.plot}")
    finally:
        for server in servers.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
