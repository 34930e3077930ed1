"""
Fail when the PostgreSQL run skipped a test.

On PostgreSQL with Redis every test is expected to run: a skip there means a
service the suite needs was missing, and a green run would hide it. The one
accepted skip is a browser test on a machine without Chromium.

Usage: python .ci/check_skips.py REPORT.xml   (pytest --junitxml=REPORT.xml)
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest report
from pathlib import Path

ACCEPTED = ("browser test skipped: no Chromium",)


def unexpected_skips(report: Path) -> tuple[int, list[str]]:
    """Return how many tests the report holds and the skips not accepted."""
    root = ET.parse(report).getroot()  # noqa: S314
    cases = list(root.iter("testcase"))
    found = []
    for case in cases:
        skipped = case.find("skipped")
        if skipped is None:
            continue
        message = skipped.get("message", "")
        if not message.startswith(ACCEPTED):
            found.append(f"{case.get('classname')}::{case.get('name')}: {message}")
    return len(cases), found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    total, skips = unexpected_skips(Path(argv[1]))
    if total == 0:
        print("!! the report holds no test", file=sys.stderr)
        return 1
    for line in skips:
        print(f"!! skipped on PostgreSQL: {line}", file=sys.stderr)
    if skips:
        print(f"!! {len(skips)} of {total} tests were skipped", file=sys.stderr)
        return 1
    print(f"{total} tests, none skipped (browser tests aside, without Chromium)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
