"""
The demo page in a real browser (the system Chromium, driven by Playwright):
register, sign in, see the profile, revoke this session, and be signed out.

The signed-in page is saved as ``demo.png`` in test-artifacts/, or in
SCREENSHOT_DIR: ``make screenshots`` sets it to docs/ for the README.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from django.contrib.staticfiles import finders
from django.db import connections
from django.urls import Resolver404, resolve

from tokens.models import RevocationReason, Session

PASSWORD = "Plenty-of-entropy-42"
USER_PASSWORD = "correct horse battery staple"  # tests/conftest.py
TIMEOUT_MS = 15_000


def routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@pytest.fixture
def demo_page(browser, live_server) -> Iterator:
    """Yield a fresh tab of the system Chromium (see conftest.py)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    page.close()
    connections.close_all()  # see the page fixture in conftest.py


@pytest.fixture
def accounts_api() -> None:
    """The accounts endpoints the page registers with are routed: fail if not."""
    paths = ("/api/accounts/register/", "/api/accounts/me/")
    missing = [path for path in paths if not routed(path)]
    assert not missing, f"the accounts API is not routed: {', '.join(missing)}"


def use_cookie_mode(settings, enabled: bool = True) -> None:
    """Serve the demo over plain http, with the refresh token in a cookie or not."""
    settings.TOKENS = {
        **settings.TOKENS,
        "REFRESH_COOKIE": enabled,
        "REFRESH_COOKIE_SECURE": False,
    }
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(params=[True, False], ids=["cookie-mode", "body-mode"])
def cookie_mode(request, settings) -> bool:
    use_cookie_mode(settings, request.param)
    return request.param


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#status[data-state='signed-in']")
    assert page.is_hidden("#login-form")


def register(page, email: str) -> None:
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.fill("#register-name", "Ada")
    page.click("#register-submit")
    page.wait_for_selector("#message:has-text('Account created')")
    assert page.input_value("#login-email") == email


def refresh_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if c["name"] == "refresh_token"]


@pytest.mark.parametrize("enabled", [True, False])
def test_demo_page_is_served_with_its_csrf_cookie(client, settings, enabled):
    """GET / renders the page, its script's settings and the CSRF cookie."""
    use_cookie_mode(settings, enabled)
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    assert "csrftoken" in response.cookies
    config = json.loads(
        response.content.decode()
        .split('id="demo-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert config["cookieMode"] is enabled
    assert config["urls"]["login"] == "/api/auth/token/"
    assert config["csrfToken"]
    assert finders.find("demo/demo.js") and finders.find("demo/demo.css")


def test_demo_page_only_answers_safe_methods(client):
    """The page is read-only: a POST to it is refused, never rendered."""
    assert client.post("/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert "no-cache" in client.get("/")["Cache-Control"]


@pytest.mark.browser
@pytest.mark.slow
def test_register_sign_in_revoke_this_session(
    demo_page, live_server, accounts_api, cookie_mode, screenshot_dir
):
    """Revoking the page's own session from the list signs the page out at once."""
    page, email = demo_page, "ada@example.com"
    page.goto(live_server.url + "/")
    register(page, email)
    sign_in(page, email)

    page.wait_for_selector(f"#profile dd:has-text('{email}')")
    page.wait_for_selector("#sessions tr[data-session-id]")
    assert '"sid"' in page.text_content("#claims")
    assert "(" in page.text_content("#remaining")  # "4:59 (299 s)"
    assert bool(refresh_cookies(page)) is cookie_mode
    assert all(cookie["httpOnly"] for cookie in refresh_cookies(page))
    if cookie_mode:
        page.screenshot(path=screenshot_dir / "demo.png", full_page=True)

    page.click("#sessions button[data-current='true']")
    page.wait_for_selector("#sessions .confirm:has-text('Revoke this session?')")
    assert Session.objects.get(user__email=email).revoked_at is None  # asked first
    page.click("#sessions button.confirm-revoke")
    page.wait_for_selector("#status[data-state='signed-out']")
    message = page.text_content("#message")
    assert "revoked" in message
    assert "HTTP 401" in message
    assert page.is_visible("#login-form")
    assert page.is_hidden("#sessions")
    assert not refresh_cookies(page)  # the page logged out to clear it
    session = Session.objects.get(user__email=email)
    assert session.revoked_reason == RevocationReason.REVOKED_BY_USER


@pytest.mark.browser
@pytest.mark.slow
def test_cookie_session_survives_a_reload(demo_page, live_server, settings, user):
    """In cookie mode a reload resumes the session; signing out clears the cookie."""
    use_cookie_mode(settings)
    demo_page.goto(live_server.url + "/")
    sign_in(demo_page, user.email, password=USER_PASSWORD)
    demo_page.reload()
    # The page starts signed out; only the refresh cookie can sign it in again.
    demo_page.wait_for_selector("#status[data-state='signed-in']")
    demo_page.wait_for_selector("#sessions tr[data-session-id]")
    assert Session.objects.filter(user=user).count() == 1
    demo_page.click("#logout")
    demo_page.wait_for_selector("#status[data-state='signed-out']")
    assert not refresh_cookies(demo_page)
    assert Session.objects.get(user=user).revoked_reason == RevocationReason.LOGOUT


@pytest.mark.browser
@pytest.mark.slow
def test_revoking_another_session_keeps_this_one(
    demo_page, live_server, settings, user, login
):
    """A session revoked from the list disappears; the page stays signed in."""
    use_cookie_mode(settings)
    other = login(user)  # a second device, signed in through the API
    demo_page.goto(live_server.url + "/")
    sign_in(demo_page, user.email, password=USER_PASSWORD)
    demo_page.wait_for_selector("#sessions tr[data-session-id] >> nth=1")
    demo_page.click("#sessions button[data-current='false']")
    demo_page.click("#sessions button.cancel-revoke")  # changing one's mind
    assert not Session.objects.filter(revoked_at__isnull=False).exists()
    demo_page.click("#sessions button[data-current='false']")
    demo_page.click("#sessions button.confirm-revoke")
    demo_page.wait_for_selector("#message:has-text('Session revoked')")
    assert demo_page.locator("#sessions tr[data-session-id]").count() == 1
    assert demo_page.get_attribute("#status", "data-state") == "signed-in"
    revoked = Session.objects.get(revoked_at__isnull=False)
    assert str(revoked.pk) != demo_page.get_attribute(
        "#sessions tr[data-session-id]", "data-session-id"
    )
    assert other["access"]
