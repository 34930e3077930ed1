"""
README's production recipe serves its static files: DEBUG=0, collectstatic,
gunicorn. The admin's styles, the demo page's script and the docs page's
Swagger UI are answered with 200, under their hashed names, compressed when
the client accepts it.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    # Behind the TLS proxy of the recipe: the proxy says the request was https.
    request = urllib.request.Request(
        url, headers={"X-Forwarded-Proto": "https", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """The recipe: migrate, collectstatic, gunicorn on a free port; yield its URL."""
    home = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "STATIC_ROOT": str(home / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESSLOG": "",
        "API_DOCS": "1",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "config/gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def linked(page: bytes, pattern: str) -> str:
    match = re.search(pattern.encode(), page)
    assert match, pattern
    return match.group(1).decode()


def test_the_admin_is_styled(production_server):
    status, _, page = get(f"{production_server}/admin/login/")
    assert status == 200
    css = linked(page, r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"')
    status, headers, body = get(production_server + css)
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"{" in body
    # Hashed names never change content: cached for good.
    assert "immutable" in headers.get("Cache-Control", "")


def test_the_demo_page_loads_its_script(production_server):
    status, _, page = get(f"{production_server}/")
    assert status == 200
    script = linked(page, r'src="(/static/demo/demo\.[0-9a-f]{12}\.js)"')
    status, headers, body = get(production_server + script)
    assert status == 200
    assert "javascript" in headers["Content-Type"]
    assert body == (ROOT / "static" / "demo" / "demo.js").read_bytes()


def test_static_files_are_served_compressed(production_server):
    _, _, page = get(f"{production_server}/")
    script = linked(page, r'src="(/static/demo/demo\.[0-9a-f]{12}\.js)"')
    _, headers, _ = get(production_server + script, **{"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"


def test_the_docs_page_is_served_with_its_own_swagger_ui(production_server):
    """With API_DOCS=1, /api/docs/ and every file it loads come from the site."""
    status, headers, page = get(f"{production_server}/api/docs/")
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    sources = re.findall(rb'(?:src|href)="([^"]+)"', page)
    assert len(sources) >= 4
    for source in sources:
        assert source.startswith(b"/"), source  # no other origin
        status, _, _ = get(production_server + source.decode().replace("&amp;", "&"))
        assert status == 200, source


def test_every_page_names_an_icon_that_is_served(production_server):
    """The demo, the admin and /favicon.ico itself lead to the icon, never a 404."""
    for path in ("/", "/admin/login/"):
        _, _, page = get(production_server + path)
        icon = linked(page, r'rel="icon" href="(/static/favicon\.[0-9a-f]{12}\.svg)"')
        status, headers, _ = get(production_server + icon)
        assert status == 200, path
        assert headers["Content-Type"].startswith("image/svg+xml")
    status, headers, body = get(production_server + "/favicon.ico")  # redirected
    assert status == 200
    assert body == (ROOT / "static" / "favicon.svg").read_bytes()
