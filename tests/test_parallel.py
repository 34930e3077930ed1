"""
``make test``'s spreading over pytest-xdist workers (tests/parallel.py): a
server shared through a wider-scoped fixture starts once, on one worker, and
the other tests still spread over every worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

CONFTEST = """
from tests.parallel import (  # noqa: F401
    pytest_collection_modifyitems,
    pytest_configure_node,
    pytest_xdist_make_scheduler,
)
"""

SHARED = """
import os
import time

import pytest


@pytest.fixture(scope="module")
def server():
    with open(os.environ["STARTS"], "a") as starts:
        starts.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
    return "up"


@pytest.mark.parametrize("n", range(8))
def test_uses_the_server(server, n):
    time.sleep(0.05)
    assert server == "up"
"""

MARKED = """
import os

import pytest


@pytest.mark.xdist_group("one")
@pytest.mark.parametrize("n", range(4))
def test_in_the_group(n):
    with open(os.environ["MARKED"], "a") as ran:
        ran.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""

ALONE = """
import os
import time

import pytest


@pytest.mark.parametrize("n", range(12))
def test_alone(n):
    time.sleep(0.1)
    with open(os.environ["ALONE"], "a") as ran:
        ran.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""


@pytest.fixture
def suite(tmp_path) -> Path:
    root = tmp_path / "suite"
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (root / "conftest.py").write_text(CONFTEST)
    (root / "test_shared.py").write_text(SHARED)
    (root / "test_marked.py").write_text(MARKED)
    (root / "test_alone.py").write_text(ALONE)
    return root


def lines(path: Path) -> list[str]:
    return path.read_text().split()


def test_a_module_scoped_server_starts_once_and_the_rest_spreads(suite, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "",
        "STARTS": str(tmp_path / "starts"),
        "MARKED": str(tmp_path / "marked"),
        "ALONE": str(tmp_path / "alone"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup"]
        + ["-p", "no:django", "-q"],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "24 passed" in result.stdout
    assert len(lines(tmp_path / "starts")) == 1  # one worker, one start
    assert len(set(lines(tmp_path / "marked"))) == 1
    assert set(lines(tmp_path / "alone")) == {"gw0", "gw1"}


def key_prefix(**env: str) -> str:
    """The default cache's KEY_PREFIX that tests/settings.py gives *env*."""
    probe = "from tests.settings import CACHES; print(CACHES['default']['KEY_PREFIX'])"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "REDIS_URL": "redis://127.0.0.1:6379/0",  # read, never connected to
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_each_worker_has_its_own_redis_key_prefix():
    """Every test empties its prefix's keys: two workers must never share one."""
    assert key_prefix(CACHE_KEY_PREFIX="test-run") == "test-run"
    gw0 = key_prefix(CACHE_KEY_PREFIX="test-run", PYTEST_XDIST_WORKER="gw0")
    gw1 = key_prefix(CACHE_KEY_PREFIX="test-run", PYTEST_XDIST_WORKER="gw1")
    assert (gw0, gw1) == ("test-run-gw0", "test-run-gw1")
    # A server a worker starts inherits the worker's prefix unchanged.
    inherited = key_prefix(CACHE_KEY_PREFIX=gw0, PYTEST_XDIST_WORKER="gw0")
    assert inherited == gw0
