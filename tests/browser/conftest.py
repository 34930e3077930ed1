"""
Fixtures of the browser tests: the system Chromium driven by Playwright.

No browser is downloaded: the tests use /usr/bin/chromium (``apt-get install
chromium``) and are skipped, with that reason, where it is absent.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]


# One Chromium for the whole package: every tab gets a context of its own (no
# cookie or storage is shared between tests), and a launch with Playwright's
# driver costs about a second. The package scope ends it, and the event loop
# that comes with it, before the tests outside tests/browser run.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Launch the system Chromium for the browser tests."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser test skipped: no Chromium at {CHROMIUM} "
            "(install it with `apt-get install chromium`)"
        )
    # Playwright is in requirements.txt: its absence is a broken install, not
    # a missing service, so the import fails the test instead of skipping it.
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which makes
    # Django refuse ORM calls from the test itself; the live server answers
    # from its own thread, so the test's direct queries are safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, settings) -> Iterator[Any]:
    """A fresh browser tab against the live server (plain HTTP)."""
    # The live server speaks HTTP, so cookies must not be Secure-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1600, "height": 900}
    )
    # A collapsed navigation sidebar leaves the lists their full width.
    context.add_init_script(
        "localStorage.setItem('django.admin.navSidebarIsOpen', 'false')"
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    # Playwright's sync API switches greenlets, so the test's own queries got a
    # connection of their own: close it, or it holds the PostgreSQL test
    # database open at teardown.
    connections.close_all()


LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def laptop_page(browser, live_server, settings) -> Iterator[Any]:
    """A 1280 x 800 tab with Django's default layout: the navigation sidebar open."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    connections.close_all()  # see the page fixture


@pytest.fixture
def screenshot_dir() -> Path:
    """
    Where screenshots go: test-artifacts/ (git-ignored), or SCREENSHOT_DIR.
    ``make screenshots`` sets it to docs/ to refresh the README's pictures.
    """
    path = Path(os.environ.get("SCREENSHOT_DIR", REPO / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class LiveAPI:
    """Plain HTTP calls to the live server's API: status code and JSON body."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def login(self, email: str, password: str, user_agent: str) -> dict[str, str]:
        status, body = self.call(
            "POST",
            "/api/auth/token/",
            {"email": email, "password": password},
            {"User-Agent": user_agent},
        )
        assert status == 200, body
        return body


@pytest.fixture
def live_api(live_server) -> LiveAPI:
    return LiveAPI(live_server.url)


def admin_login(page: Any, email: str, password: str) -> None:
    """Sign in through the admin's login form."""
    page.goto("/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


PHONE, DESKTOP = 390, 1440


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def width(request) -> int:
    """The viewport widths every first-contact flow is tested at."""
    return request.param


@pytest.fixture
def sized_page(browser, live_server, settings, width) -> Iterator[Any]:
    """A fresh tab of *width* px (a touch phone below 600) on the live server."""
    settings.CSRF_COOKIE_SECURE = False
    phone = width < 600
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    connections.close_all()  # see the page fixture


def assert_no_horizontal_scroll(page: Any) -> None:
    """The page is no wider than the viewport: nothing scrolls sideways."""
    scroll, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll <= inner, f"page is {scroll} px wide in {inner} px"
