"""
README's walkthrough, run verbatim: the shell blocks between its
``walkthrough:start`` and ``walkthrough:end`` markers, in order, in one bash,
against the project served by gunicorn on a free port with an empty database,
as ``make run`` would serve it. A pasted example can never be wrong again.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)

pytestmark = pytest.mark.slow


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("<!-- walkthrough:start -->")[1]
    section = section.split("<!-- walkthrough:end -->")[0]
    blocks = BLOCK.findall(section)
    assert len(blocks) >= 4, "the walkthrough lost its code blocks"
    return "\n".join(blocks)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_", "DATABASE_", "TOKENS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'walkthrough.sqlite3'}",
        DEBUG="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        JWT_SIGNING_KEY=secrets.token_urlsafe(48),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESSLOG="",
    )
    return env


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(f"{base}/api/health/", timeout=2):  # noqa: S310
                return
        # URLError, a refused connection, or a read timeout while the
        # workers are still booting on a loaded machine.
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{base} did not start")


@pytest.fixture
def live_project(tmp_path):
    """The project, migrated on an empty SQLite file and served by gunicorn."""
    port = free_port()
    env = server_env(tmp_path, port)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


@pytest.mark.skipif(
    not shutil.which("curl"), reason="needs curl (apt-get install curl)"
)
def test_the_readme_walkthrough_runs_as_written(live_project, tmp_path):
    """Every command succeeds, in order, and the revoked token ends refused."""
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", walkthrough()],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "API": live_project},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert '"email":"alice@example.com"' in lines[0]
    assert '"display_name":"Alice"' in result.stdout
    assert '{"revoked":1}' in lines
    assert lines[-1] == "401"
