"""`tokens` is a reusable app: it knows nothing of `accounts` or `config`."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import tokens

TOKENS_DIR = Path(tokens.__file__).parent
PROJECT_MODULES = {"accounts", "config", "tests", "bench"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_tokens_imports_nothing_from_the_project():
    offenders = {
        str(path.relative_to(TOKENS_DIR)): imported_modules(path) & PROJECT_MODULES
        for path in TOKENS_DIR.rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_tokens_works_on_a_site_with_the_stock_user_model():
    """Login, rotation, logout and refusal on a site with django.contrib.auth's User."""
    assert "stock site flow ok" in run_stock_site("settings", "flow")


def test_every_password_change_revokes_on_a_stock_site():
    """The admin form, changepassword and set_password()+save() revoke; rehash not."""
    output = run_stock_site("admin_settings", "password_flow")
    assert "stock site password flow ok" in output


def run_stock_site(settings: str, script: str) -> str:
    """Run ``tests.stock_site.<script>`` under its settings in its own process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": f"tests.stock_site.{settings}"}
    result = subprocess.run(
        [sys.executable, "-m", f"tests.stock_site.{script}"],
        cwd=TOKENS_DIR.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
