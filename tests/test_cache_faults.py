"""
Cache faults on a real deployment: gunicorn (2 sync workers, DEBUG off) over
PostgreSQL, with a Redis of the test's own behind a relay (tests/redis_server).

Sessions are cached as valid through the API, then logged out through the API
while Redis stalls, restarts from a snapshot, fails over to a replica that
missed the writes, loses its connections, or evicts its tracking table. After
each fault: 0 revoked tokens accepted, no 5xx other than 503, and a session
nobody revoked is still served.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from django.core.cache import caches
from redis.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool

from tests.app_server import call, login, start_server, stop_server, wait_until_up
from tests.conftest import requires_postgres
from tests.redis_server import REDIS_SERVER, Proxy, RedisServer, free_port
from tests.redis_server import available as redis_available
from tokens import services
from tokens.revocation import check as revocation_check
from tokens.revocation import registry

PROTECTED = "/api/auth/sessions/"
SESSIONS = 6

pytestmark = [
    requires_postgres,
    pytest.mark.skipif(not redis_available(), reason="needs redis-server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def relay() -> Iterator[Proxy]:
    proxy = Proxy(target_port=1)
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def app(relay, django_db_setup, django_db_blocker) -> Iterator[str]:
    """One gunicorn for the module; each test points the relay at its Redis."""
    port = free_port()
    with django_db_blocker.unblock():
        process = start_server(port, REDIS_URL=relay.url)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base
    finally:
        stop_server(process)


@pytest.fixture
def primary(tmp_path, relay) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "primary").start()
    relay.switch(server.port)
    yield server
    server.stop()


class Run:
    """Sessions of one test, and every status the service answered."""

    def __init__(self, base: str, make_user) -> None:
        self.base = base
        self.pairs = [login(base, make_user().email) for _ in range(SESSIONS)]
        self.control = login(base, make_user().email)
        self.revoked: list[dict] = []
        self.statuses: Counter = Counter()

    def get(self, pair: dict) -> int:
        status, _ = call("GET", self.base + PROTECTED, access=pair["access"])
        self.statuses[status] += 1
        return status

    def warm(self) -> None:
        """Each session seen valid by both workers (so cached as valid)."""
        for pair in [*self.pairs, self.control]:
            for _ in range(6):
                assert self.get(pair) == HTTPStatus.OK

    def logout_all(self) -> None:
        for pair in self.pairs:
            status, _ = call(
                "POST", f"{self.base}/api/auth/logout/", {"refresh": pair["refresh"]}
            )
            self.statuses[status] += 1
            assert status == HTTPStatus.NO_CONTENT
            self.revoked.append(pair)

    def accepted_revoked(self, rounds: int = 10) -> int:
        return sum(
            self.get(pair) == HTTPStatus.OK
            for _ in range(rounds)
            for pair in self.revoked
        )

    def check_after(self) -> int:
        """Revoked tokens accepted now and a moment later (past lease and pause)."""
        accepted = self.accepted_revoked()
        time.sleep(0.6)
        accepted += self.accepted_revoked()
        assert self.get(self.control) == HTTPStatus.OK
        errors = {s: n for s, n in self.statuses.items() if s >= 500 and s != 503}
        assert not errors, self.statuses
        checked = 2 * 10 * len(self.revoked)
        print(
            f"\nrevoked accepted after the fault: {accepted}/{checked}; "
            f"all answers: {dict(sorted(self.statuses.items()))}"
        )
        return accepted


@pytest.fixture
def run(app, primary, make_user) -> Run:
    return Run(app, make_user)


def test_stall_and_resume(run, primary):
    """SIGSTOP while sessions are logged out, SIGCONT: none comes back."""
    run.warm()
    primary.pause()
    try:
        run.logout_all()
        during = run.accepted_revoked(rounds=2)
    finally:
        primary.resume()
    assert during == 0
    assert run.check_after() == 0


def test_restart_from_a_snapshot_taken_at_shutdown(run, primary):
    """`shutdown save`, logouts while down, restart from dump.rdb: none back."""
    run.warm()
    primary.shutdown_save()
    run.logout_all()
    assert run.accepted_revoked(rounds=2) == 0
    primary.start()
    assert primary.client().keys("*tokens:ok:*"), "the snapshot kept valid entries"
    assert run.check_after() == 0


def test_restart_from_a_snapshot_older_than_the_tombstones(run, primary):
    """Tombstones written, then lost with a crash and an older snapshot."""
    run.warm()
    primary.client().save()
    run.logout_all()
    primary.stop()  # SIGKILL: the tombstones were never saved
    primary.start()
    assert not primary.client().keys("*tokens:rev:*"), "the tombstones are lost"
    assert run.check_after() == 0


def test_failover_to_a_replica_that_missed_the_writes(run, primary, relay, tmp_path):
    """
    A replica detached before the logouts is promoted (REPLICAOF NO ONE) and
    the app is moved to it: its "valid" entries are from the old primary's
    life, its tombstones missing.
    """
    replica = RedisServer(
        tmp_path / "replica", "--replicaof", "127.0.0.1", str(primary.port)
    ).start()
    try:
        run.warm()
        assert primary.client().wait(1, 5000) == 1
        # Cut the replica off: it keeps its data and misses what follows.
        replica.client().replicaof("127.0.0.1", "1")  # nothing listens there
        run.logout_all()
        assert primary.client().keys("*tokens:rev:*")
        assert not replica.client().keys("*tokens:rev:*")
        assert replica.client().keys("*tokens:ok:*")
        replica.client().replicaof("NO", "ONE")
        relay.switch(replica.port)
        primary.stop()
        assert run.check_after() == 0
    finally:
        replica.stop()


def test_connections_killed(run, primary):
    """CLIENT KILL of every app connection, before and after the logouts."""
    run.warm()
    primary.client().client_kill_filter(_type="normal")
    run.logout_all()
    primary.client().client_kill_filter(_type="normal")
    assert run.check_after() == 0


def test_tracking_table_eviction(app, make_user, relay, tmp_path):
    """With a tracking table of 4 keys, Redis evicts and says so: none back."""
    server = RedisServer(tmp_path / "small", "--tracking-table-max-keys", "4")
    relay.switch(server.start().port)
    try:
        run = Run(app, make_user)
        run.warm()
        run.logout_all()
        assert run.check_after() == 0
    finally:
        server.stop()


def start_sentinel(directory, master_port: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "sentinel.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
        f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\n"
        "sentinel down-after-milliseconds mymaster 500\n"
        "sentinel failover-timeout mymaster 5000\n"
    )
    process = subprocess.Popen(
        [REDIS_SERVER, str(conf), "--sentinel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process, port


def until(predicate, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_sentinel_failover_to_a_replica_that_missed_the_writes(
    settings, tmp_path, make_user, django_capture_on_commit_callbacks
):
    """
    Django's RedisCache through redis-py's Sentinel pool: the primary dies
    after logouts its replica never received; Sentinel promotes the replica and
    every process follows it. The revoked session stays refused; another is
    still served from the new primary.
    """
    primary = RedisServer(tmp_path / "p").start()
    # The primary's address for everyone (Sentinel, replica, app) is a relay,
    # so that the replica's link alone can be cut.
    link = Proxy(primary.port)
    replica = RedisServer(
        tmp_path / "r", "--replicaof", "127.0.0.1", str(link.port)
    ).start()
    sentinel, sentinel_port = start_sentinel(tmp_path / "s", link.port)
    try:
        until(
            lambda: replica.client().info("replication")["master_link_status"] == "up"
        )
        manager = Sentinel([("127.0.0.1", sentinel_port)], socket_timeout=0.5)
        until(lambda: manager.discover_slaves("mymaster"))
        settings.CACHES = {
            **settings.CACHES,
            "ha": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://mymaster/0",
                "OPTIONS": {
                    "pool_class": SentinelConnectionPool,
                    "service_name": "mymaster",
                    "sentinel_manager": manager,
                    "socket_connect_timeout": 0.25,
                    "socket_timeout": 0.25,
                },
            },
        }
        settings.TOKENS = {**settings.TOKENS, "CACHE_ALIAS": "ha"}
        revoked, kept = (services.session_create(user=make_user()) for _ in range(2))
        for pair in (revoked, kept):
            for _ in range(2):
                assert check(pair) is not None
        caches["ha"].set("probe", 1)  # the cache itself goes through Sentinel
        assert primary.client().wait(1, 5000) == 1
        lifetime = registry.get_state().server_id
        link.cut_replication()  # the replica misses everything from now on
        with django_capture_on_commit_callbacks(execute=True):
            services.session_revoke(session=revoked.session, reason="logout")
        assert check(revoked) is None
        assert not replica.client().keys("*tokens:rev:*")
        primary.stop()
        link.switch(1)
        until(lambda: master_port(manager) == replica.port, seconds=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert check(revoked) is None
            assert check(kept) is not None
            if registry.get_state().server_id not in (None, lifetime):
                break  # the process now talks to the promoted replica
            time.sleep(0.1)
        assert registry.get_state().server_id not in (None, lifetime)
        assert check(revoked) is None
        assert caches["ha"].get("probe") == 1
    finally:
        sentinel.kill()
        sentinel.wait(timeout=10)
        replica.stop()
        primary.stop()
        link.close()


def master_port(manager: Sentinel) -> int | None:
    try:
        return manager.discover_master("mymaster")[1]
    except MasterNotFoundError:  # in the middle of the failover
        return None


def check(pair):
    return revocation_check.session_user_get(
        session_id=str(pair.session.pk), user_id=str(pair.session.user_id)
    )
