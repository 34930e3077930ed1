"""
A site written in SimpleJWT's idioms passes its own suite after the switch.

The switch is exactly what docs/upgrading-from-simplejwt.md calls the short
way: add ``tokens`` to INSTALLED_APPS, use SessionJWTAuthentication, keep
SIMPLE_JWT's key (no key ring), and import ``tokens.tokens`` where the site
imported ``rest_framework_simplejwt.tokens``. Nothing else of the site changes.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SITE = Path(__file__).parent / "simplejwt_site"
ROOT = Path(__file__).parent.parent


def switch_to_tokens(site: Path) -> None:
    settings = site / "conduit_site" / "settings.py"
    text = settings.read_text()
    text = text.replace(
        '    "rest_framework",\n', '    "rest_framework",\n    "tokens",\n'
    )
    text = text.replace(
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "tokens.authentication.SessionJWTAuthentication",
    )
    settings.write_text(text)
    for path in site.rglob("*.py"):
        source = path.read_text()
        path.write_text(
            source.replace("rest_framework_simplejwt.tokens", "tokens.tokens")
        )


def run_site_suite(site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(site)],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def site(tmp_path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(SITE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_site_suite_passes_on_simplejwt(site):
    result = run_site_suite(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 passed" in result.stdout


def test_the_site_suite_passes_unchanged_on_tokens(site):
    switch_to_tokens(site)
    assert "tokens.tokens import" in (site / "conduit" / "tests.py").read_text()
    result = run_site_suite(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 passed" in result.stdout
