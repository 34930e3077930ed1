"""
The Django adapter in a second Django site, one without ``tokens``: run by
``runserver`` in its own process with its own settings, polling the fake
transmitter, and serving a push view.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.receiver import keys
from tests.receiver.conftest import eventually
from tests.receiver.servers import call, free_socket

ROOT = Path(__file__).resolve().parents[2]
SET_TYPE = {"Content-Type": "application/secevent+jwt"}


@pytest.fixture
def django_site(transmitter, tmp_path) -> Iterator[str]:
    with run_site(transmitter, tmp_path) as url:
        yield url


@contextmanager
def run_site(transmitter, tmp_path, **overrides) -> Iterator[str]:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()  # runserver binds it again at once
    config = {
        "ISSUER": keys.ISSUER,
        "AUDIENCE": keys.AUDIENCE,
        "SSF_CONFIGURATION_URL": f"{transmitter.url}/.well-known/ssf-configuration",
        "CLIENT_ID": keys.CLIENT_ID,
        "CLIENT_SECRET": keys.CLIENT_SECRET,
        "STREAM_ID": keys.STREAM_ID,
        "MODE": "poll",
        "POLL_INTERVAL": 0.05,
        "REFUSE_TOKENS_BEFORE_START": False,
        **overrides,
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TOKENS_RECEIVER_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.receiver.django_site.settings",
        "RECEIVER_SITE_CONFIG": json.dumps(config),
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path / "runserver.log").open("w+")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe: its access log never blocks it
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"runserver exited: {log.read()[-3000:]}")
        try:
            return call("GET", url + "/me/").status == 401
        except OSError:
            return False

    try:
        eventually(up, "runserver to start")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


def test_a_site_without_tokens_accepts_then_refuses_a_revoked_session(
    django_site, transmitter, key
):
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    # The receiver starts with the first request, and is fresh after a poll.
    eventually(lambda: call("GET", django_site + "/me/", token=token).status == 200)
    reply = call("GET", django_site + "/me/", token=token)
    assert reply.json() == {
        "pk": "42",
        "user": "ReceiverUser",
        "sid": sid,
        "imported": [],
    }
    transmitter.revoke(sid)
    eventually(lambda: call("GET", django_site + "/me/", token=token).status == 401)
    reply = call("GET", django_site + "/me/", token=token)
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert (
        reply.json()["detail"] == "The access token is not valid, expired or revoked."
    )


def test_a_request_without_a_token_is_401(django_site):
    reply = call("GET", django_site + "/me/")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_push_view_answers_with_rfc_8935_codes(django_site, key):
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    eventually(lambda: call("GET", django_site + "/me/", token=token).status == 200)
    pushed = keys.sign_set(key, keys.revoked_claims(sid))
    for _ in range(2):
        reply = call(
            "POST", django_site + "/ssf/events", body=pushed.encode(), headers=SET_TYPE
        )
        assert (reply.status, reply.body) == (202, b"")
        assert "Content-Type" not in reply.headers
    assert call("GET", django_site + "/me/", token=token).status == 401
    bad = keys.sign_set(key, keys.revoked_claims(sid, aud="other"))
    reply = call(
        "POST", django_site + "/ssf/events", body=bad.encode(), headers=SET_TYPE
    )
    assert (reply.status, reply.json()["err"]) == (400, "invalid_audience")
    assert call("GET", django_site + "/ssf/events").status == 405


def test_an_unreachable_transmitter_answers_503_until_it_is_back(
    transmitter, tmp_path, key
):
    """Discovery fails on first use: 503, and the next request tries again."""
    unreachable = {"SSF_CONFIGURATION_URL": "http://127.0.0.1:9/.well-known/x"}
    with run_site(transmitter, tmp_path, **unreachable) as url:
        reply = call("GET", url + "/me/", token=keys.access_token(key))
        assert reply.status == 503
        assert set(reply.json()) == {"detail"}
        reply = call("POST", url + "/ssf/events", body=b"x", headers=SET_TYPE)
        assert (reply.status, reply.headers["Retry-After"]) == (503, "5")
