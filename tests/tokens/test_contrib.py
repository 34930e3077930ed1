"""
tokens.contrib.dj_rest_auth and tokens.contrib.djoser, with the real packages.

dj-rest-auth and djoser read their settings once, at import, so each site runs
its own pytest process (tests/contrib_sites/).
"""

import ast
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import tokens

ROOT = Path(tokens.__file__).parent.parent
SITES = ROOT / "tests" / "contrib_sites"


def run_flows(flows: str, settings: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-c",
            str(SITES / "pytest.ini"),
            str(SITES / f"{flows}.py"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "flows,settings,count",
    [
        ("flows_dj_rest_auth", "tests.contrib_sites.settings", 14),
        ("flows_dj_rest_auth_cookies", "tests.contrib_sites.cookie_settings", 15),
        ("flows_djoser", "tests.contrib_sites.settings", 5),
    ],
)
def test_the_integration_site_flows_pass(flows, settings, count):
    """Login, protected request, password change, logout, 401: their own views."""
    result = run_flows(flows, settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SITES / "documented" / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, body: dict | None = None, **headers: str) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[0]
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:  # refused while it boots
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


def test_a_site_set_up_as_documented_starts_and_authenticates(tmp_path):
    """
    The documented settings, with the site's own DRF views imported first in
    its URLconf (as most are): ``check`` passes, the server starts, and a token
    from dj-rest-auth's login authenticates a request to the site's own view.
    """
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "PYTHONPATH": str(ROOT),
        "SITE_DATABASE": str(tmp_path / "site.sqlite3"),
    }
    checked = manage("check", "--fail-level", "WARNING", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert manage("migrate", "-v", "0", env=env).returncode == 0
    create = "from django.contrib.auth.models import User; "
    create += "User.objects.create_user('ada', 'ada@example.com', 'pass 1234 word')"
    assert manage("shell", "-c", create, env=env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(SITES / "documented" / "manage.py"),
            "runserver",
            "--noreload",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/whoami/", server)
        status, body = call(
            f"{base}/dj-rest-auth/login/",
            {"username": "ada", "password": "pass 1234 word"},
        )
        assert status == 200, body
        bearer = f"Bearer {body['access']}"
        assert call(f"{base}/whoami/", Authorization=bearer) == (
            200,
            {"username": "ada"},
        )
        status, _ = call(f"{base}/whoami/", Authorization="Bearer not-a-token")
        assert status == 401
    finally:
        server.terminate()
        server.wait(timeout=15)


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_contrib_modules_import_their_package():
    importers = {
        package: sorted(
            str(path.relative_to(ROOT))
            for path in (ROOT / "tokens").rglob("*.py")
            if package in imports_of(path)
        )
        for package in ("dj_rest_auth", "djoser")
    }
    assert importers == {
        "dj_rest_auth": [
            "tokens/contrib/dj_rest_auth/__init__.py",
            "tokens/contrib/dj_rest_auth/checks.py",
            "tokens/contrib/dj_rest_auth/urls.py",
            "tokens/contrib/dj_rest_auth/views.py",
        ],
        "djoser": [],
    }
