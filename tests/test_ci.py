"""The CI's guard: the PostgreSQL run fails when a test was skipped there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKER = REPO / ".ci" / "check_skips.py"

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.tokens.test_rotation" name="test_refresh"/>
{cases}
</testsuite></testsuites>
"""


def check(tmp_path: Path, cases: str) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "report.xml"
    report.write_text(REPORT.format(cases=cases))
    return subprocess.run(
        [sys.executable, str(CHECKER), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )


def skipped(name: str, message: str) -> str:
    return (
        f'<testcase classname="tests.x" name="{name}">'
        f'<skipped type="pytest.skip" message="{message}"/></testcase>'
    )


def test_a_run_without_skips_passes(tmp_path):
    result = check(tmp_path, "")
    assert result.returncode == 0, result.stderr


def test_a_skipped_postgres_test_fails_the_run(tmp_path):
    """A concurrency test skipped for want of PostgreSQL turns CI red, by name."""
    message = "needs PostgreSQL (DATABASE_URL=postgres://...): SQLite has no row locks"
    result = check(tmp_path, skipped("test_one_rotation_wins", message))
    assert result.returncode == 1
    assert "test_one_rotation_wins" in result.stderr and "PostgreSQL" in result.stderr


def test_a_skipped_redis_test_fails_the_run(tmp_path):
    result = check(
        tmp_path, skipped("test_flush", "needs a shared Redis: set REDIS_URL")
    )
    assert result.returncode == 1


def test_browser_tests_may_skip_without_chromium(tmp_path):
    message = "browser test skipped: no Chromium at /usr/bin/chromium"
    result = check(tmp_path, skipped("test_demo", message))
    assert result.returncode == 0, result.stderr


def test_an_empty_report_fails(tmp_path):
    report = tmp_path / "report.xml"
    report.write_text('<testsuites><testsuite name="pytest"/></testsuites>')
    result = subprocess.run(
        [sys.executable, str(CHECKER), str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
