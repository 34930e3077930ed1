"""CHANGELOG.md in the Keep a Changelog shape: each kind once, no entry twice."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def releases() -> dict[str, str]:
    """Return each release's heading mapped to its text."""
    parts = re.split(r"^## (.+)$", CHANGELOG.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_each_kind_of_change_appears_once_per_release():
    for release, text in releases().items():
        kinds = re.findall(r"^### (.+)$", text, flags=re.MULTILINE)
        assert set(kinds) <= KINDS, (release, kinds)
        repeated = [kind for kind, n in Counter(kinds).items() if n > 1]
        assert not repeated, f"{release} repeats {repeated}"


def test_no_entry_is_listed_twice():
    entries = re.findall(r"^- (.+)$", CHANGELOG.read_text(), flags=re.MULTILINE)
    repeated = [entry[:60] for entry, n in Counter(entries).items() if n > 1]
    assert entries and not repeated
