"""
The documentation site builds with no warning (no broken link or anchor), and
works opened from disk: every link between pages names a file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def build(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", site],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_docs_site_builds_strictly(tmp_path):
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "install-from-a-checkout" in (tmp_path / "installation.html").read_text()


def test_every_page_link_is_a_file_opened_from_disk(tmp_path):
    """From file:// a link to a directory shows its listing: links name files."""
    assert build(tmp_path).returncode == 0
    # 404.html is only ever served (its links are absolute, from the site root).
    pages = sorted(set(tmp_path.glob("*.html")) - {tmp_path / "404.html"})
    assert len(pages) >= 10
    for page in pages:
        html = page.read_text()
        nav = re.findall(r'class="md-nav__link[^"]*"[^>]*href="([^"]+)"', html)
        nav += re.findall(r'href="([^"]+)"[^>]*class="md-nav__link', html)
        assert nav, page.name
        for href in re.findall(r'href="([^"#?]+)[^"]*"', html):
            if urlsplit(href).scheme or href.startswith("//"):
                continue  # another site
            target = (page.parent / unquote(href)).resolve()
            assert target.is_file(), f"{page.name} links to {href}"
