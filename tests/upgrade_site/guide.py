"""
The code blocks of docs/upgrading-from-simplejwt.md, so that the upgrade site
runs the guide's own code rather than a copy of it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "upgrading-from-simplejwt.md"
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.DOTALL | re.MULTILINE)


def code_after(marker: str, language: str = "python") -> str:
    """Return the first *language* block after *marker*, unindented."""
    text = GUIDE.read_text()
    start = text.index(marker)
    for match in FENCE.finditer(text, start):
        indent, lang, body = match.groups()
        if lang == language:
            return "".join(
                line.removeprefix(indent) for line in body.splitlines(keepends=True)
            )
    raise LookupError(f"no {language} block after {marker!r} in {GUIDE}")


def run_block(marker: str, **names: Any) -> dict[str, Any]:
    """Run the block after *marker* with *names* defined; return its names."""
    namespace: dict[str, Any] = {"__name__": "upgrade_guide_block", **names}
    exec(compile(code_after(marker), f"{GUIDE}:{marker}", "exec"), namespace)  # noqa: S102
    return namespace


OLD_PATHS = "Either keep the old paths:"
EXCHANGE = "## Exchanging old refresh tokens on demand"
STEP_1 = "1. **Install and add the app**"
