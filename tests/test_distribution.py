"""
The ``tokens`` app as another site gets it: built into a wheel, installed into a
fresh virtualenv with Django, DRF and SimpleJWT only, and used by a minimal
foreign site with the stock ``django.contrib.auth.models.User``.

Nothing of this repository is importable in that virtualenv: the site runs from
its own directory and the app comes from the installed wheel.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from email.parser import Parser
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
RUNTIME = ["Django", "djangorestframework", "djangorestframework-simplejwt", "PyJWT"]
SIGNING_KEY = "foreign-site-signing-key-0123456789-abcdefghij"
PIP_TIMEOUT = 300

# Installing from a checkout, as step 1 of docs/upgrading-from-simplejwt.md
# gives it (tests/test_upgrade_guide.py compares): the fixtures below run these,
# adding only flags that keep the run offline and quiet.
BUILD_WHEEL = "pip wheel --no-deps --wheel-dir {dist} {checkout}"
INSTALL_WHEEL = "pip install {dist}/django_revocable_jwt-*.whl"

SETTINGS = f"""
SECRET_KEY = "foreign-site-secret-key-0123456789-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "tokens",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "foreign.urls"
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "site.sqlite3"}}
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
REST_FRAMEWORK = {{
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.SessionJWTAuthentication",
    ],
    "DEFAULT_THROTTLE_RATES": {{
        "login_ip": "100/min",
        "login_account": "100/min",
        "login_account_ip": "100/min",
        "refresh_ip": "100/min",
    }},
}}
TOKENS = {{
    "SIGNING_KEYS": [{{"kid": "k1", "algorithm": "HS256", "secret": "{SIGNING_KEY}"}}],
}}
"""

URLS = """
from django.urls import include, path

urlpatterns = [
    path("api/auth/", include("tokens.urls")),
    path("", include("tokens.well_known_urls")),
]
"""

# Run by the virtualenv's python: login -> refresh -> logout -> refused.
FLOW = """
import json
import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "foreign.settings"
django.setup()

import tokens
from django.contrib.auth.models import User
from django.test import Client

User.objects.create_user("alice", "alice@example.com", "s3cret-pass-phrase")
client = Client()
seen = {"tokens_file": tokens.__file__}


def call(name, method, path, token=None, **data):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = getattr(client, method)(
        path, data, content_type="application/json", headers=headers
    )
    seen[name] = response.status_code
    return response.json() if response.content else {}


bad = call("login_wrong_password", "post", "/api/auth/token/",
           username="alice", password="wrong")
seen["login_wrong_password_detail"] = "detail" in bad
pair = call("login", "post", "/api/auth/token/",
            username="alice", password="s3cret-pass-phrase")
listed = call("sessions", "get", "/api/auth/sessions/", pair["access"])
seen["sessions_count"] = len(listed)
rotated = call("refresh", "post", "/api/auth/token/refresh/", refresh=pair["refresh"])
call("sessions_after_refresh", "get", "/api/auth/sessions/", rotated["access"])
call("logout", "post", "/api/auth/logout/", refresh=rotated["refresh"])
gone = call("sessions_after_logout", "get", "/api/auth/sessions/", rotated["access"])
seen["refused_detail"] = "detail" in gone
call("refresh_after_logout", "post", "/api/auth/token/refresh/",
     refresh=rotated["refresh"])
print(json.dumps(seen))
"""


JWKS = """
import json
import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "foreign.settings"
django.setup()

from django.test import Client

response = Client().get("/.well-known/jwks.json")
print(json.dumps([response.status_code, response.json()]))
"""


def run(args: list[str], cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run *args* with a clean environment, so nothing of this repo leaks in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV"}
    }
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def check(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from this checkout (the backend is in requirements.txt)."""
    out = tmp_path_factory.mktemp("wheel")
    build = BUILD_WHEEL.format(dist=out, checkout=REPO).split()
    check(run([sys.executable, "-m", *build, "--no-build-isolation"], cwd=out))
    (built,) = out.glob(Path(INSTALL_WHEEL.split()[-1]).name)
    return built


@pytest.fixture(scope="module")
def foreign_python(tmp_path_factory, wheel) -> Path:
    """Return the python of a fresh virtualenv holding the wheel and its runtime."""
    home = tmp_path_factory.mktemp("venv")
    # Like `make bootstrap`, this needs python3-venv: its absence is a broken
    # machine, not a missing service, so it fails.
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    # This environment's pip installs into the new one (pip --python): the
    # same install, without seeding a pip of its own there (ensurepip alone
    # took 4 s), and the virtualenv then holds the runtime and the wheel only.
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    pins = [f"{name}=={version(name)}" for name in RUNTIME]
    deps = run([*pip, "install", "-q", *pins], home, PIP_TIMEOUT)
    if deps.returncode != 0:
        # The package index is an external service; CI fails on this skip.
        pytest.skip(
            f"package index unreachable: cannot install {', '.join(pins)}: "
            f"{deps.stderr[-500:]}"
        )
    # --no-index: the wheel must need nothing beyond what is already there.
    install = [*INSTALL_WHEEL.split()[1:-1], "-q", "--no-index", str(wheel)]
    check(run([*pip, *install], home))
    return python


@pytest.fixture(scope="module")
def site(tmp_path_factory, foreign_python) -> Path:
    """Write the foreign site and migrate its database."""
    root = tmp_path_factory.mktemp("site")
    (root / "foreign").mkdir()
    (root / "foreign" / "__init__.py").write_text("")
    (root / "foreign" / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (root / "foreign" / "urls.py").write_text(textwrap.dedent(URLS))
    (root / "flow.py").write_text(textwrap.dedent(FLOW))
    (root / "jwks.py").write_text(textwrap.dedent(JWKS))
    manage = [str(foreign_python), "-m", "django"]
    check(run([*manage, "migrate", "--noinput", "--settings=foreign.settings"], root))
    return root


def test_wheel_holds_the_app_and_its_data_only(wheel):
    """The wheel ships tokens with its migrations and data files, and the
    receiver other services install, not the demo site."""
    names = set(zipfile.ZipFile(wheel).namelist())
    packaged = {name.split("/", 1)[0] for name in names if "dist-info" not in name}
    assert packaged == {"tokens", "tokens_receiver"}
    assert "tokens/migrations/0001_initial.py" in names
    assert "tokens/py.typed" in names  # PEP 561: its type hints are public
    assert "tokens_receiver/py.typed" in names
    data_files = [
        path.relative_to(REPO).as_posix()
        for path in (REPO / "tokens").rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"}
    ]
    assert set(data_files) <= names


def test_sdist_holds_the_app_and_its_documentation(tmp_path):
    """The sdist carries tokens, its docs and pyproject, not the demo project."""
    build = ["-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)]
    check(run([sys.executable, *build], cwd=REPO))
    (sdist,) = tmp_path.glob("django_revocable_jwt-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "tokens/migrations/0001_initial.py"} <= names
    assert "tokens_receiver/verifier.py" in names
    assert {"docs/installation.md", "docs/settings.md", "docs/api.md"} <= names
    assert not {name for name in names if name.startswith(("accounts/", "config/"))}
    assert not {name for name in names if name.startswith("docs/_")}


def test_wheel_metadata_declares_only_the_runtime(wheel):
    """Django, DRF, SimpleJWT and PyJWT are required; everything else is an extra."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode())
    required = {
        re.match(r"[A-Za-z0-9_.-]+", spec).group().lower()
        for spec in metadata.get_all("Requires-Dist")
        if "extra ==" not in spec
    }
    assert required == {name.lower() for name in RUNTIME}
    assert {"crypto", "redis", "receiver"} <= set(metadata.get_all("Provides-Extra"))
    assert "Framework :: Django :: 5.2" in metadata.get_all("Classifier")
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Name"] == "django-revocable-jwt"


def test_foreign_site_passes_its_system_checks(site, foreign_python):
    """The installed app raises no system check error in a stock-User site."""
    result = run(
        [str(foreign_python), "-m", "django", "check", "--settings=foreign.settings"],
        site,
    )
    check(result)
    assert "System check identified no issues" in result.stdout


def test_foreign_site_runs_without_optional_packages(site, foreign_python):
    """Neither drf-spectacular nor this project's own apps are importable there."""
    probe = (
        "import importlib.util as u; "
        "print([m for m in ('drf_spectacular', 'accounts', 'config', 'redis') "
        "if u.find_spec(m)])"
    )
    assert check(run([str(foreign_python), "-c", probe], site)).strip() == "[]"


def test_login_refresh_revoke_refuse_through_the_installed_wheel(site, foreign_python):
    """A foreign site signs in, rotates, logs out, and the old access token dies."""
    seen = json.loads(check(run([str(foreign_python), "flow.py"], site)))
    assert "site-packages" in seen["tokens_file"]
    assert not seen["tokens_file"].startswith(str(REPO))
    assert seen["login_wrong_password"] == HTTPStatus.UNAUTHORIZED
    assert seen["login_wrong_password_detail"]
    assert seen["login"] == HTTPStatus.OK
    assert seen["sessions"] == HTTPStatus.OK
    assert seen["sessions_count"] == 1
    assert seen["refresh"] == HTTPStatus.OK
    assert seen["sessions_after_refresh"] == HTTPStatus.OK
    assert seen["logout"] == HTTPStatus.NO_CONTENT
    assert seen["sessions_after_logout"] == HTTPStatus.UNAUTHORIZED
    assert seen["refused_detail"]
    assert seen["refresh_after_logout"] == HTTPStatus.UNAUTHORIZED


def test_asymmetric_key_without_cryptography_is_a_check_error(site, foreign_python):
    """An RS256 key in a site without the crypto extra is reported, not a crash."""
    (site / "foreign" / "settings_rsa.py").write_text(
        "from foreign.settings import *  # noqa\n"
        "TOKENS = {'SIGNING_KEYS': [{'kid': 'r1', 'algorithm': 'RS256', "
        "'public_key': 'not-needed'}]}\n"
    )
    check_rsa = ["-m", "django", "check", "--settings=foreign.settings_rsa"]
    result = run([str(foreign_python), *check_rsa], site)
    assert result.returncode == 1
    assert "tokens.E002" in result.stderr
    assert "cryptography" in result.stderr


def test_the_receiver_imports_from_the_wheel_without_django(site, foreign_python):
    """Another service imports tokens_receiver from site-packages, Django unloaded."""
    probe = (
        "import json, sys, tokens_receiver, tokens_receiver.wsgi; "
        "print(json.dumps([tokens_receiver.__file__, 'django' in sys.modules]))"
    )
    path, django_loaded = json.loads(
        check(run([str(foreign_python), "-c", probe], site))
    )
    assert "site-packages" in path
    assert not django_loaded


def in_wheel(wheel: Path, path: str) -> bool:
    with zipfile.ZipFile(wheel) as archive:
        return path in archive.namelist()


def test_jwks_is_served_without_optional_packages(wheel, site, foreign_python):
    """The JWKS of an HMAC-only ring is an empty set, drf-spectacular or not."""
    assert in_wheel(wheel, "tokens/well_known_urls.py")
    status, body = json.loads(check(run([str(foreign_python), "jwks.py"], site)))
    assert status == HTTPStatus.OK
    assert body == {"keys": []}


def test_generatesigningkey_needs_no_cryptography_for_hmac(wheel, site, foreign_python):
    """A new HS256 key can be made in a site without the crypto extra."""
    assert in_wheel(wheel, "tokens/management/commands/generatesigningkey.py")
    command = ["-m", "django", "generatesigningkey", "--settings=foreign.settings"]
    output = check(run([str(foreign_python), *command, "--json"], site))
    entry = json.loads(output)
    assert entry["algorithm"] == "HS256"
    assert len(entry["secret"].encode()) >= 32
