"""
tokens.contrib.dj_rest_auth and tokens.contrib.djoser, with the real packages.

dj-rest-auth and djoser read their settings once, at import, so each site runs
its own pytest process (tests/contrib_sites/).
"""

import ast
import os
import subprocess
import sys
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
        ("flows_dj_rest_auth", "tests.contrib_sites.settings", 10),
        ("flows_dj_rest_auth_cookies", "tests.contrib_sites.cookie_settings", 3),
        ("flows_djoser", "tests.contrib_sites.settings", 4),
    ],
)
def test_the_integration_site_flows_pass(flows, settings, count):
    """Login, protected request, password change, logout, 401: their own views."""
    result = run_flows(flows, settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout


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
        "dj_rest_auth": ["tokens/contrib/dj_rest_auth.py"],
        "djoser": [],
    }
