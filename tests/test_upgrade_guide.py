"""
docs/upgrading-from-simplejwt.md, end to end: a site on SimpleJWT with
token_blacklist, issued tokens in its tables, taken through every step of the
guide, once keeping SimpleJWT's URL paths and once moving to tokens.urls, on
SQLite and on PostgreSQL.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import path

from tests.test_distribution import BUILD_WHEEL, INSTALL_WHEEL
from tests.upgrade_site import guide

ROOT = Path(__file__).parent.parent

# SimpleJWT's documented URLconf: paths and names that clients and reverse() use.
SIMPLEJWT_URLS = [
    ("api/token/", "token_obtain_pair"),
    ("api/token/refresh/", "token_refresh"),
    ("api/token/verify/", "token_verify"),
    ("api/token/blacklist/", "token_blacklist"),
]

requires_postgres = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":", 1)[0]
    not in ("postgres", "postgresql"),
    reason="needs PostgreSQL (DATABASE_URL=postgres://...) for the PostgreSQL run",
)

# Step 6 of the guide: empty the tables, then unapply the app.
EMPTY_BLACKLIST = (
    "from rest_framework_simplejwt.token_blacklist.models import OutstandingToken; "
    "OutstandingToken.objects.all().delete()"
)


class Site:
    def __init__(self, database: str, state: Path, urls: str, schema: str = ""):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.upgrade_site.settings",
            "UPGRADE_DATABASE": database,
            "UPGRADE_STATE": str(state),
            "UPGRADE_URLS": urls,
            "UPGRADE_SCHEMA": schema,
        }

    def run(self, stage: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, "UPGRADE_STAGE": stage},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def ok(self, stage: str, *args: str) -> str:
        result = self.run(stage, *args)
        assert result.returncode == 0, (args, result.stdout + result.stderr)
        return result.stdout

    def manage(self, stage: str, *args: str) -> str:
        return self.ok(stage, "-m", "django", *args)

    def scenario(self, stage: str) -> None:
        assert f"ok {stage}" in self.ok(stage, "-m", "tests.upgrade_site.scenario")


def upgrade(site: Site) -> None:
    site.manage("simplejwt", "migrate", "--verbosity=0")
    site.scenario("simplejwt")
    # Steps 1-4: settings, key, imports and URLs (tests/upgrade_site/); step 5:
    site.manage("tokens", "migrate", "--verbosity=0")
    site.scenario("tokens")
    # Step 6: remove token_blacklist.
    site.manage("tokens", "shell", "-c", EMPTY_BLACKLIST)
    site.manage("tokens", "migrate", "token_blacklist", "zero", "--verbosity=0")
    site.manage("removed", "migrate", "--verbosity=0")
    site.scenario("removed")


@pytest.mark.parametrize("urls", ["old", "new"])
def test_the_upgrade_guide_on_sqlite(tmp_path, urls):
    upgrade(Site(str(tmp_path / "site.sqlite3"), tmp_path / "state.json", urls))


def test_unapplying_token_blacklist_with_rows_is_what_step_6_avoids(tmp_path):
    """Without emptying the tables first, SimpleJWT's 0005 cannot be reversed."""
    site = Site(str(tmp_path / "site.sqlite3"), tmp_path / "state.json", "old")
    site.manage("simplejwt", "migrate", "--verbosity=0")
    site.scenario("simplejwt")
    result = site.run("tokens", "-m", "django", "migrate", "token_blacklist", "zero")
    assert result.returncode != 0
    assert "NOT NULL" in result.stderr


@pytest.fixture
def pg_schema(django_db_setup, django_db_blocker):
    """A fresh schema in the test database: the site's own tables live there."""
    from django.db import connection

    schema = f"upgrade_{secrets.token_hex(4)}"
    with django_db_blocker.unblock():
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
    yield url, schema
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")


@requires_postgres
@pytest.mark.parametrize("urls", ["old", "new"])
def test_the_upgrade_guide_on_postgresql(tmp_path, pg_schema, urls):
    url, schema = pg_schema
    upgrade(Site(url, tmp_path / "state.json", urls, schema))


def test_the_old_paths_block_keeps_simplejwts_paths_and_names():
    """Step 4's block mounts SimpleJWT's exact paths, logout included."""
    patterns = guide.run_block(guide.OLD_PATHS, path=path)["urlpatterns"]
    assert [(str(p.pattern), p.name) for p in patterns] == SIMPLEJWT_URLS


def test_step_1_is_the_install_the_distribution_test_runs():
    """The guide's commands are those tests/test_distribution.py runs."""
    commands = guide.code_after(guide.STEP_1, language="sh").splitlines()
    checkout = {"dist": "dist", "checkout": "/path/to/checkout"}
    assert commands == [
        BUILD_WHEEL.format(**checkout),
        INSTALL_WHEEL.format(**checkout),
    ]
    assert "installation.md#before-publication-install-from-a-checkout" in (
        guide.GUIDE.read_text()
    )
