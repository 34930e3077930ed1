"""
The admin's lists on a laptop (1280 x 800, the navigation sidebar open) with a
real amount of data: 30 demo accounts from ``manage.py seeddemo`` and 130+
sessions. Every column shows whole, nothing scrolls sideways, and a session is
one line, so that a screen shows at least 15 of them.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.admin_site import REVOKE_PERMISSION, VIEW_PERMISSIONS, grant
from tests.browser.conftest import LAPTOP, admin_login
from tests.conftest import PASSWORD
from tokens import services
from tokens.models import RevocationReason, Session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def staff(make_user):
    user = make_user(
        "security-operations.team@example.com",
        is_staff=True,
        display_name="Security operations",
    )
    return grant(user, *VIEW_PERMISSIONS, REVOKE_PERMISSION, "accounts.view_user")


@pytest.fixture
def demo_data(make_user):
    """seeddemo's 30 accounts, and one more with a long address, 130+ sessions."""
    call_command("seeddemo", users=30, force=True, stdout=StringIO())
    heavy = make_user("alice.longname-for-a-wide-column@example.com")
    while (
        Session.objects.count() < 135 or Session.objects.filter(user=heavy).count() < 5
    ):
        services.session_create(
            user=heavy, user_agent=FIREFOX, ip_address="2001:db8:85a3::8a2e:370:7334"
        )
    reused = Session.objects.filter(user=heavy).first()
    services.session_revoke(session=reused, reason=RevocationReason.REUSE_DETECTED)
    staffed = Session.objects.filter(user=heavy).last()
    services.session_revoke(session=staffed, reason=RevocationReason.ADMIN)


def assert_fits(page):
    """Nothing scrolls sideways: not the page, not the list's own box."""
    table, box = page.eval_on_selector(
        "#result_list", "t => [t.scrollWidth, t.closest('.results').clientWidth]"
    )
    assert table <= box, f"the list is {table} px wide in a {box} px box"
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= LAPTOP["width"], f"the page is {width} px wide"


def assert_whole(page, selector):
    """Every cell matching *selector* shows its text uncut."""
    cut = page.eval_on_selector_all(
        selector,
        "cells => cells.filter(c => c.scrollWidth > c.clientWidth)"
        ".map(c => c.textContent)",
    )
    assert not cut, cut


def test_users_list_shows_every_column(laptop_page, staff, demo_data, screenshot_dir):
    page = laptop_page
    admin_login(page, staff.email, PASSWORD)
    page.goto("/admin/accounts/user/")
    page.wait_for_selector("#result_list")
    assert page.locator("#nav-sidebar").is_visible()
    page.screenshot(path=str(screenshot_dir / "admin-users-1280.png"))
    assert_fits(page)
    headers = [
        h.strip() for h in page.locator("#result_list thead th").all_inner_texts()
    ]
    assert "DATE JOINED" in {h.upper() for h in headers}
    assert_whole(page, "#result_list td, #result_list th")
    joined = page.locator("#result_list td.field-joined").first
    assert (
        joined.bounding_box()["x"] + joined.bounding_box()["width"] <= LAPTOP["width"]
    )


def test_refresh_tokens_list_fits(laptop_page, staff, demo_data, screenshot_dir):
    page = laptop_page
    admin_login(page, staff.email, PASSWORD)
    page.goto("/admin/tokens/refreshtokenrecord/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(screenshot_dir / "admin-refresh-tokens-1280.png"))
    assert_fits(page)


def test_sessions_are_one_line_each(laptop_page, staff, demo_data, screenshot_dir):
    """130+ sessions: one line each, at least 15 on a 800 px screen."""
    page = laptop_page
    admin_login(page, staff.email, PASSWORD)
    page.goto("/admin/tokens/session/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(screenshot_dir / "admin-sessions-1280.png"))
    assert_fits(page)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 100  # a whole page of the list
    line = page.eval_on_selector(
        "#result_list tbody td", "td => parseFloat(getComputedStyle(td).lineHeight)"
    )
    heights = rows.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().height)")
    wrapped = [h for h in heights if h > 2 * line]
    assert not wrapped, f"{len(wrapped)} rows wrap (one line is {line} px)"
    # The first screen, as it opens, shows 15 sessions whole.
    shown = rows.evaluate_all(
        "rs => rs.filter(r => r.getBoundingClientRect().bottom <= innerHeight).length"
    )
    assert shown >= 15, f"{shown} sessions on the first screen"

    statuses = page.locator("#result_list td.field-status").all_inner_texts()
    assert "revoked by staff" in statuses
    assert not [s for s in statuses if "revoked: revoked" in s]
