"""
The access log of a real gunicorn keeps no token: reset and verification links
carry theirs in the path, and a copy in a log would be a working link.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest

from config.log_redaction import REDACTED, RedactingFilter, redact, redact_atoms
from tests.app_server import start_server, stop_server, wait_until_up
from tests.redis_server import free_port

pytestmark = pytest.mark.slow

TOKEN = "cz1x2y-0123456789abcdef0123456789abcdef"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
# Every atom gunicorn offers that could hold a secret.
VERBOSE_FORMAT = (
    "%(r)s|%(U)s|%(q)s|%(f)s|%({authorization}i)s|%({cookie}i)s"
    "|%({set-cookie}o)s|%({location}o)s|%({query_string}e)s"
)


def serve_and_log(tmp_path, **env: str) -> str:
    """Run gunicorn, open the link pages through it, return its access log."""
    log = tmp_path / "access.log"
    port = free_port()
    process = start_server(
        port,
        workers=1,
        GUNICORN_ACCESSLOG=str(log),
        # The pages need no table: a fresh SQLite file answers the health check.
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        for path in (
            f"/reset/MTIz/{TOKEN}/",
            f"/verify/MTIz/{TOKEN}/",
            f"/api/health/?token={TOKEN}&access={JWT}",
        ):
            request = urllib.request.Request(
                base + path,
                headers={
                    "Authorization": f"Bearer {JWT}",
                    "Cookie": f"accounts_reset={TOKEN}",
                    "Referer": f"{base}/reset/MTIz/{TOKEN}/",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert response.status == HTTPStatus.OK
            except urllib.error.HTTPError as exc:
                # The health check refuses the made-up bearer token: logged too.
                assert exc.code == HTTPStatus.UNAUTHORIZED
    finally:
        stop_server(process)
    return log.read_text()


def test_the_access_log_keeps_no_link_token(tmp_path):
    """With the shipped format: the pages are logged, their tokens are not."""
    text = serve_and_log(tmp_path)
    assert "/reset/MTIz/set-password/" in text
    assert f"/reset/MTIz/{REDACTED}/" in text
    assert f"/verify/MTIz/{REDACTED}/" in text
    assert TOKEN not in text
    assert JWT not in text


def test_no_format_can_log_a_token(tmp_path):
    """A site's own format, with request line, query, Referer and headers."""
    text = serve_and_log(
        tmp_path, GUNICORN_CMD_ARGS=f"--access-logformat '{VERBOSE_FORMAT}'"
    )
    assert "GET /api/health/?token=" in text
    assert TOKEN not in text
    assert JWT not in text
    assert "eyJ" not in text


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (f"/reset/MTIz/{TOKEN}/", f"/reset/MTIz/{REDACTED}/"),
        ("/reset/MTIz/set-password/", "/reset/MTIz/set-password/"),
        (
            f"GET /verify/MTIz/{TOKEN}/?x=1 HTTP/1.1",
            f"GET /verify/MTIz/{REDACTED}/?x=1 HTTP/1.1",
        ),
        (f"/a/?uid=1&token={TOKEN}&next=/", f"/a/?uid=1&token={REDACTED}&next=/"),
        (f"/a/?refresh={JWT}", f"/a/?refresh={REDACTED}"),
        (f"Bearer {JWT}", f"Bearer {REDACTED}"),
        ("/api/accounts/me/", "/api/accounts/me/"),
    ],
)
def test_redact(text, clean):
    assert redact(text) == clean


def test_redact_atoms_drops_credential_headers():
    atoms = {
        "{authorization}i": "Basic dXNlcjpwYXNz",
        "{cookie}i": "sessionid=abc",
        "{set-cookie}o": "accounts_reset=x",
        "{http_cookie}e": "sessionid=abc",
        "{query_string}e": f"token={TOKEN}",
        "q": f"token={TOKEN}",
        "s": 200,
    }
    assert redact_atoms(atoms) == {
        "{authorization}i": REDACTED,
        "{cookie}i": REDACTED,
        "{set-cookie}o": REDACTED,
        "{http_cookie}e": REDACTED,
        "{query_string}e": f"token={REDACTED}",
        "q": f"token={REDACTED}",
        "s": 200,
    }


def test_django_log_lines_are_redacted_by_the_console_handler_filter(settings):
    """Django's "Not Found: <path>" and runserver's lines pass the same filter."""
    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/reset/x;y/{TOKEN}/",),
        None,
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"Not Found: /reset/x;y/{REDACTED}/"
