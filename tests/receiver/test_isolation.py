"""
tokens_receiver stands apart: importing it (and its WSGI and ASGI adapters)
loads neither Django nor the ``tokens`` app, only ``tokens_receiver.django``
imports Django, and no module is too long to hold in mind.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tokens_receiver"
MAX_LINES = 400


def imported_modules(statement: str) -> list[str]:
    probe = (
        "import json, sys; "
        f"{statement}; "
        "print(json.dumps(sorted(m for m in ('django', 'rest_framework', 'tokens', "
        "'fastapi', 'starlette') if m in sys.modules)))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PACKAGE.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_package_and_its_wsgi_and_asgi_adapters_do_not_import_django():
    loaded = imported_modules(
        "import tokens_receiver, tokens_receiver.wsgi, tokens_receiver.asgi"
    )
    assert loaded == []


def test_the_fastapi_adapter_imports_fastapi_not_django():
    assert imported_modules("import tokens_receiver.fastapi") == [
        "fastapi",
        "starlette",
    ]


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_django_adapter_imports_django_and_none_imports_tokens():
    for path in PACKAGE.glob("*.py"):
        imports = _top_level_imports(path)
        assert "tokens" not in imports, path.name
        if path.name != "django.py":
            assert not imports & {"django", "rest_framework"}, path.name


def test_no_module_is_over_400_lines():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= MAX_LINES, path.name
