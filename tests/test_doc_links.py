"""
Every internal link of the documents resolves: README.md, SECURITY.md,
CHANGELOG.md and docs/*.md link to files that exist and to anchors their
target has (a heading's slug, or an explicit ``<a id>``).

Headings are slugged as GitHub renders these files; pages under docs/ also
answer to mkdocs' slugs (``mkdocs build --strict`` checks the site itself).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "SECURITY.md", ROOT / "CHANGELOG.md"]
    + list((ROOT / "docs").glob("*.md"))
)

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\".*\")?\s*$", re.M)
HREF = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"")
EXPLICIT_ANCHOR = re.compile(r"<a\s[^>]*(?:id|name)=\"([^\"]+)\"")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)
ATTR_ID = re.compile(r"\{\s*#([\w-]+)[^}]*\}\s*$")


def prose(text: str) -> str:
    """*text* without code blocks and inline code, whose brackets are no links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def heading_text(raw: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    return text.replace("`", "")


def github_slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = heading_text(text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def mkdocs_slug(text: str) -> str:
    """Python-Markdown's toc slugify, which mkdocs uses."""
    text = unicodedata.normalize("NFKD", heading_text(text))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def with_duplicates(slugs: list[str]) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for slug in slugs:
        count = seen.get(slug, 0)
        result.add(slug if count == 0 else f"{slug}-{count}")
        seen[slug] = count + 1
    return result


SNIPPET = re.compile(r'^--8<-- "([^"]+)"\s*$', re.M)


def rendered(path: Path) -> str:
    """*path*'s text with the files it includes (pymdownx.snippets, from the root)."""
    text = path.read_text()
    return SNIPPET.sub(lambda m: (ROOT / m.group(1)).read_text(), text)


@cache
def anchors(path: Path) -> frozenset[str]:
    """The anchors a Markdown file offers, as GitHub and as mkdocs render it."""
    text = FENCE.sub("", rendered(path))
    headings = [m.group(2) for m in HEADING.finditer(text)]
    ids = {m.group(1) for m in ATTR_ID.finditer(text)}
    plain = [ATTR_ID.sub("", h) for h in headings]
    found = with_duplicates([github_slug(h) for h in plain])
    if path.parent.name == "docs":
        found |= with_duplicates([mkdocs_slug(h) for h in plain])
    return frozenset(found | ids | set(EXPLICIT_ANCHOR.findall(text)))


def links(path: Path) -> list[str]:
    text = prose(path.read_text())
    return LINK.findall(text) + REFERENCE.findall(text) + HREF.findall(text)


def broken(path: Path, target: str) -> str | None:
    """Return why *target*, linked from *path*, does not resolve; None if it does."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
        return None  # another site, mailto:, ...
    location, _, anchor = target.partition("#")
    file = (path.parent / unquote(location)).resolve() if location else path
    if not file.exists():
        return f"no file {file}"
    if anchor and file.suffix == ".md" and unquote(anchor) not in anchors(file):
        return f"no anchor #{anchor} in {file}"
    return None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_internal_link_resolves(document):
    problems = [
        f"{target}: {reason}"
        for target in links(document)
        if (reason := broken(document, target))
    ]
    assert problems == []


def test_the_checker_sees_a_broken_file_and_a_broken_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# A title\n\n## Step 2: keep the paths\n\n"
        "[ok](#a-title) [ok](#step-2-keep-the-paths) [bad](#nothing) "
        "[gone](missing.md) `[code](not-a-link.md)` [web](https://example.org/x)\n"
    )
    assert [t for t in links(page) if broken(page, t)] == ["#nothing", "missing.md"]


# Prose that names a section: README, "Accounts"; (SECURITY.md, "Throttling").
SECTION_REFERENCE = re.compile(
    r"\b(README(?:\.md)?|SECURITY\.md|docs/[\w.-]+\.md)\)?,\s+\"([^\"]+)\""
)
BOLD_LEAD = re.compile(r"^(?:<a [^>]*></a>)?\*\*([^*]+)\*\*", re.M)
SOURCES = sorted(
    [*DOCUMENTS, *ROOT.glob("tokens/**/*.py"), *ROOT.glob("accounts/**/*.py")]
    + [*ROOT.glob("config/*.py"), *ROOT.glob("tests/**/*.py")]
)


@cache
def sections(path: Path) -> frozenset[str]:
    """The names of *path*'s sections: its headings and bold paragraph leads."""
    text = FENCE.sub("", rendered(path))
    names = [heading_text(m.group(2)) for m in HEADING.finditer(text)]
    names += BOLD_LEAD.findall(text)
    return frozenset(_name(name) for name in names)


def _name(text: str) -> str:
    return " ".join(text.split()).rstrip(".:").lower()


def section_problems(path: Path) -> list[str]:
    problems = []
    for name, section in SECTION_REFERENCE.findall(path.read_text()):
        file = ROOT / ("README.md" if name == "README" else name)
        if not file.exists():
            problems.append(f'{name}, "{section}": no file {name}')
        elif not any(s.startswith(_name(section)) for s in sections(file)):
            # A reference may name a section by its first words.
            problems.append(f'{name}, "{section}": no such section')
    return problems


def test_every_section_named_in_prose_exists():
    """A reference such as README, "Accounts" names a heading that exists."""
    problems = {
        str(path.relative_to(ROOT)): found
        for path in SOURCES
        if path.name != "test_doc_links.py" and (found := section_problems(path))
    }
    assert problems == {}


REPOSITORY_PATH = re.compile(
    r"`((?:accounts|bench|config|docs|static|templates|tests|tokens)/[\w./-]*)`"
)


# The changelog names files of the past too.
CURRENT = [d for d in DOCUMENTS if d.name != "CHANGELOG.md"]


@pytest.mark.parametrize("document", CURRENT, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_document_names_exists(document):
    """`tests/test_fuzz.py` and the like, named in prose, are repository files."""
    named = set(REPOSITORY_PATH.findall(document.read_text()))
    assert sorted(p for p in named if not (ROOT / p).exists()) == []
