"""
End to end in a real browser: staff revoke a session from the admin, and the
API refuses that session's tokens at once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from tests.admin_site import REVOKE_PERMISSION, VIEW_PERMISSIONS, grant
from tests.browser.conftest import LAPTOP, admin_login
from tests.conftest import PASSWORD
from tokens import services
from tokens.models import RevocationReason, Session
from tokens.tokens import RefreshToken

pytestmark = pytest.mark.browser

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def staff(make_user):
    return grant(
        make_user("security@example.com", is_staff=True),
        *VIEW_PERMISSIONS,
        REVOKE_PERMISSION,
    )


@pytest.fixture
def other_sessions(make_user):
    """Sessions of other users in every state, so the list looks like a real one."""
    bob = make_user("bob@example.com")
    services.session_create(user=bob, user_agent=IPHONE, ip_address="192.0.2.44")
    ended = services.session_create(
        user=bob, user_agent=CHROME_WIN, ip_address="198.51.100.9"
    ).session
    services.session_revoke(session=ended, reason=RevocationReason.LOGOUT)
    old = services.session_create(
        user=make_user("carol@example.com"), user_agent=CHROME_WIN
    ).session
    Session.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    reused = services.session_create(
        user=make_user("dave@example.com"), user_agent=FIREFOX, ip_address="203.0.113.5"
    ).session
    services.session_revoke(session=reused, reason=RevocationReason.REUSE_DETECTED)
    Session.objects.filter(pk=reused.pk).update(
        created_at=timezone.now() - timedelta(hours=3)
    )


def assert_api_refuses(live_api, tokens):
    status, body = live_api.call(
        "GET",
        "/api/auth/sessions/",
        headers={"Authorization": f"Bearer {tokens['access']}"},
    )
    assert status == 401, body
    status, body = live_api.call(
        "POST", "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}
    )
    assert status == 401, body


def test_staff_revoke_a_session_with_a_reason(
    page, live_api, staff, make_user, other_sessions, screenshot_dir
):
    """Log in, find the user's session, revoke it with a reason: the API says 401."""
    alice = make_user("alice@example.com")
    tokens = live_api.login(alice.email, PASSWORD, FIREFOX)
    status, _ = live_api.call(
        "GET",
        "/api/auth/sessions/",
        headers={"Authorization": f"Bearer {tokens['access']}"},
    )
    assert status == 200
    session = Session.objects.get(user=alice)

    admin_login(page, staff.email, PASSWORD)
    page.click("text=Sessions")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(screenshot_dir / "admin-sessions.png"), full_page=True)

    page.fill("#searchbar", alice.email)
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Firefox 128.0 on Linux" in rows.inner_text()

    page.check(f"input[name=_selected_action][value='{session.pk}']")
    page.select_option("select[name=action]", "revoke_selected")
    page.click("button[name=index]")
    page.wait_for_selector("#revoke-form")
    assert str(session.pk) in page.inner_text("#revoke-sessions")
    page.fill("textarea[name=note]", "Laptop reported stolen (ticket #4521)")
    page.screenshot(
        path=str(screenshot_dir / "admin-revoke-confirm.png"), full_page=True
    )
    page.click("#revoke-form input[type=submit]")

    page.wait_for_selector(".messagelist")
    assert "Revoked 1 session." in page.inner_text(".messagelist")
    assert "revoked by staff" in page.inner_text("#result_list")

    session.refresh_from_db()
    assert session.revoked_reason == RevocationReason.ADMIN
    assert session.revoked_by == staff
    assert "ticket #4521" in LogEntry.objects.get().get_change_message()
    assert_api_refuses(live_api, tokens)


def test_staff_paste_a_token_and_revoke_its_session(page, live_api, staff, make_user):
    """Paste a refresh token, see whose it is, revoke its session: the API says 401."""
    alice = make_user("alice@example.com")
    tokens = live_api.login(alice.email, PASSWORD, FIREFOX)

    admin_login(page, staff.email, PASSWORD)
    page.goto("/admin/tokens/session/")
    page.click("text=Revoke a token")

    page.fill("textarea[name=token]", "this is not a token")
    page.click("#token-form input[type=submit]")
    assert "This is not a token of this site" in page.inner_text(".errorlist")

    page.fill("textarea[name=token]", tokens["refresh"])
    page.click("#token-form input[type=submit]")
    page.wait_for_selector("#token-inspection")
    details = page.inner_text("#token-inspection")
    assert alice.email in details
    assert "refresh token" in details
    assert page.input_value("textarea[name=token]") == ""
    assert tokens["refresh"] not in page.content()

    page.fill("#revoke-form textarea[name=note]", "Token pasted in a public issue")
    page.click("#revoke-form input[type=submit]")
    page.wait_for_selector(".messagelist")
    assert "Revoked 1 session." in page.inner_text(".messagelist")
    assert "revoked by staff" in page.inner_text("#content-main")

    assert_api_refuses(live_api, tokens)


def test_staff_without_permission_cannot_revoke(page, make_user):
    """A viewer sees the list but no action, and the revoke page answers 403."""
    viewer = grant(make_user("viewer@example.com", is_staff=True), *VIEW_PERMISSIONS)
    services.session_create(user=make_user(), user_agent=FIREFOX)
    admin_login(page, viewer.email, PASSWORD)
    page.goto("/admin/tokens/session/")
    page.wait_for_selector("#result_list")
    assert page.locator("select[name=action]").count() == 0
    assert page.locator("text=Revoke a token").count() == 0
    response = page.goto("/admin/tokens/session/revoke-token/")
    assert response.status == 403


# At 1280 px, the width of a laptop screen ------------------------------------


def assert_nothing_clipped(page):
    """The list's table fits its box: no column hidden behind a scroll bar."""
    widths = page.eval_on_selector(
        "#result_list",
        "t => [t.scrollWidth, t.closest('.results').clientWidth]",
    )
    assert widths[0] <= widths[1], f"table {widths[0]} px in a {widths[1]} px box"
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert all(h.strip() or i == 0 for i, h in enumerate(headers)), headers


def test_lists_fit_a_laptop_screen(laptop_page, staff, make_user, other_sessions):
    """
    At 1280 px, sidebar open, every column of both lists shows (with a full
    list, and for the pictures: test_admin_lists.py).
    """
    page = laptop_page
    alice = make_user("alice.longname-for-a-wide-column@example.com")
    edge = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
    )
    pair = services.session_create(
        user=alice, user_agent=edge, ip_address="2001:db8:85a3::8a2e:370:7334"
    )
    services.refresh_rotate(token=RefreshToken(pair.refresh))  # a used one
    admin_login(page, staff.email, PASSWORD)

    lists = {
        "session": {"DEVICE", "IP ADDRESS", "LAST USED", "STATUS"},
        "refreshtokenrecord": {"USED", "STATUS"},
    }
    for model, columns in lists.items():
        page.goto(f"/admin/tokens/{model}/")
        page.wait_for_selector("#result_list")
        assert page.locator("#nav-sidebar").is_visible()
        assert_nothing_clipped(page)
        headers = page.locator("#result_list thead th").all_inner_texts()
        assert columns <= {h.strip().upper() for h in headers}


def test_session_page_shows_why_and_who(page, staff, make_user, screenshot_dir):
    """After staff revoke a session, its page gives the reason and the actor."""
    alice = make_user("alice@example.com")
    session = services.session_create(
        user=alice, user_agent=FIREFOX, ip_address="10.0.0.7"
    ).session
    page.set_viewport_size(LAPTOP)
    admin_login(page, staff.email, PASSWORD)
    page.goto(f"/admin/tokens/session/{session.pk}/change/")
    page.click("#revoke-session")
    page.wait_for_selector("#revoke-form")
    assert page.title().startswith("Revoke 1 session")
    assert page.input_value("#revoke-form input[type=submit]") == (
        "Yes, revoke 1 session"
    )
    page.fill("textarea[name=note]", "Laptop reported stolen (ticket #4521)")
    page.click("#revoke-form input[type=submit]")
    page.wait_for_selector(".messagelist")

    revocation = page.inner_text(".field-revoked_note")
    assert "Laptop reported stolen (ticket #4521)" in revocation
    assert staff.email in page.inner_text(".field-revoked_by")
    page.screenshot(path=str(screenshot_dir / "admin-session-1280.png"), full_page=True)


def test_revoke_all_sessions_is_in_view_on_the_user_page(
    page, staff, make_user, screenshot_dir
):
    """The button is at the top of a long user page, seen without scrolling."""
    grant(staff, "accounts.change_user")
    alice = make_user("alice@example.com")
    for agent in (FIREFOX, IPHONE, CHROME_WIN):
        services.session_create(user=alice, user_agent=agent)
    page.set_viewport_size(LAPTOP)
    admin_login(page, staff.email, PASSWORD)
    page.goto(f"/admin/accounts/user/{alice.pk}/change/")
    button = page.locator("#revoke-all-sessions-top")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"]
    page.screenshot(path=str(screenshot_dir / "admin-user-1280.png"))
    button.click()
    page.wait_for_selector("#revoke-form")
    assert page.input_value("#revoke-form input[type=submit]") == (
        "Yes, revoke 3 sessions"
    )
