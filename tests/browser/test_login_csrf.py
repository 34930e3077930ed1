"""
Login CSRF in a real browser: a page on another site that posts the attacker's
credentials to the sign-in endpoint, by form and by ``fetch()``, cannot sign
the visitor in. No refresh cookie is set, no session is created.

The site is the live server at ``http://localhost:<port>``; the attacker's
page is served from ``http://127.0.0.1:<other port>``, another site.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections

from tests.conftest import PASSWORD
from tokens.models import Session

LOGIN = "/api/auth/token/"
ATTACKER_EMAIL = "attacker@example.com"

# Every way a page can post to another site without a CORS grant. The form
# posts go into a frame, so that the page stays to report that it is done.
ATTACK_PAGE = """<!doctype html>
<title>Win a prize</title>
<iframe name="sink-form"></iframe><iframe name="sink-plain"></iframe>
<form id="form" method="post" action="{login}" target="sink-form">
  <input name="email" value="{email}"><input name="password" value="{password}">
</form>
<form id="plain" method="post" action="{login}" target="sink-plain"
      enctype="text/plain">
  <input name='{{"email": "{email}", "password": "{password}", "x": "' value='"}}'>
</form>
<script>
const body = JSON.stringify({{email: "{email}", password: "{password}"}});
const loaded = (name) => new Promise((done) => {{
  document.querySelector(`iframe[name=${{name}}]`).onload = done;
}});
const attempts = [
  loaded("sink-form"),
  loaded("sink-plain"),
  fetch("{login}", {{method: "POST", mode: "no-cors", credentials: "include",
    headers: {{"Content-Type": "text/plain"}}, body}}),
  fetch("{login}", {{method: "POST", mode: "no-cors", credentials: "include",
    headers: {{"Content-Type": "application/x-www-form-urlencoded"}},
    body: "email={email}&password={password}"}}),
  fetch("{login}", {{method: "POST", credentials: "include",
    headers: {{"Content-Type": "application/json"}}, body}}),
];
document.getElementById("form").submit();
document.getElementById("plain").submit();
Promise.allSettled(attempts).then((results) => {{
  window.outcome = results.map((r) => r.status);
}});
</script>
"""

# A form post that navigates the whole tab, as a link in an email would.
TOP_LEVEL_PAGE = """<!doctype html>
<form id="form" method="post" action="{login}">
  <input name="email" value="{email}"><input name="password" value="{password}">
</form>
<script>document.getElementById("form").submit();</script>
"""


@pytest.fixture
def cookie_site(settings) -> None:
    """The refresh cookie over plain http, as the live server speaks."""
    settings.TOKENS = {
        **settings.TOKENS,
        "REFRESH_COOKIE": True,
        "REFRESH_COOKIE_SECURE": False,
    }
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def attacker_site(live_server) -> Iterator[str]:
    """Serve the attacker's pages from 127.0.0.1 on a port of its own."""
    pages = {
        "/": ATTACK_PAGE,
        "/top": TOP_LEVEL_PAGE,
    }
    values = {
        "login": live_server.url + LOGIN,
        "email": ATTACKER_EMAIL,
        "password": PASSWORD,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server hook's name)
            page = pages.get(self.path)
            if page is None:
                self.send_error(404)
                return
            body = page.format(**values).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tab(browser) -> Iterator:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    connections.close_all()  # see the page fixture in conftest.py


def login_statuses(page) -> list[int]:
    """Collect the status of every sign-in request the site answered."""
    statuses: list[int] = []

    def record(response) -> None:
        if response.url.endswith(LOGIN) and response.request.method == "POST":
            statuses.append(response.status)

    page.on("response", record)
    return statuses


def refresh_cookies(page, site: str) -> list[dict]:
    """The refresh cookies the tab would send to the site's auth path."""
    cookies = page.context.cookies(site + LOGIN)
    return [c for c in cookies if c["name"] == "refresh_token"]


@pytest.mark.browser
@pytest.mark.slow
def test_another_sites_page_cannot_sign_the_visitor_in(
    tab, live_server, attacker_site, cookie_site, make_user
):
    """Forms and fetch() from another site: refused, no cookie, no session."""
    attacker = make_user(email=ATTACKER_EMAIL)
    statuses = login_statuses(tab)
    tab.goto(attacker_site + "/")
    tab.wait_for_function("window.outcome !== undefined")
    outcome = tab.evaluate("window.outcome")
    with tab.expect_response(lambda r: r.url.endswith(LOGIN)):
        tab.goto(attacker_site + "/top")

    # Both forms, the two no-cors fetches and the top-level form reached the
    # site and were refused; the JSON fetch stopped at its preflight, which
    # grants no other origin anything.
    assert sorted(statuses) == [415] * 5, statuses
    assert outcome == ["fulfilled"] * 4 + ["rejected"]
    assert not refresh_cookies(tab, live_server.url)
    assert not Session.objects.filter(user=attacker).exists()


@pytest.mark.browser
@pytest.mark.slow
def test_the_sites_own_page_signs_in_with_the_cookie(
    tab, live_server, cookie_site, make_user
):
    """The same browser, from the site itself: 200, the cookie and a session."""
    user = make_user(email=ATTACKER_EMAIL)
    tab.goto(live_server.url + "/api/health/")
    status = tab.evaluate(
        """async ([url, email, password]) => (await fetch(url, {
            method: "POST", credentials: "include",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({email, password}),
        })).status""",
        [live_server.url + LOGIN, ATTACKER_EMAIL, PASSWORD],
    )
    assert status == 200
    assert refresh_cookies(tab, live_server.url)
    assert Session.objects.filter(user=user).count() == 1
