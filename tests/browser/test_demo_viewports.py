"""
The demo page at a phone's width (390 px) and a desktop's (1440 px): nothing
scrolls sideways, errors sit under their fields, buttons show that they work,
revoking asks first, dates read "just now", and the access token counts down.

Screenshots: ``demo-390.png`` and ``demo-1440.png`` in test-artifacts/, or in
SCREENSHOT_DIR (``make screenshots`` writes docs/).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_horizontal_scroll
from tokens.models import Session

PASSWORD = "Plenty-of-entropy-42"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_demo_fits_and_behaves(sized_page, width, user, login, screenshot_dir):
    page = sized_page
    page.goto("/")
    assert_no_horizontal_scroll(page)

    # Errors: under their fields, in words, not as "field: message".
    page.fill("#register-email", "not an address")
    page.click("#register-submit")
    note = page.locator("label:has(#register-email) .field-error")
    note.wait_for()
    assert "valid email" in note.text_content()
    assert "email:" not in note.text_content()
    assert page.get_attribute("#register-password", "aria-invalid") == "true"
    # Said once, under the field: the form's own error line stays empty.
    assert page.is_hidden("#register-form .form-error")
    assert_no_horizontal_scroll(page)

    # Busy: the button says it is working, and cannot be pressed twice.
    held = []
    page.route("**/api/auth/token/", lambda route: held.append(route))
    page.fill("#login-email", user.email)
    page.fill("#login-password", "correct horse battery staple")
    page.click("#login-submit")
    page.wait_for_selector("#login-submit[aria-busy='true']:disabled")
    assert page.text_content("#login-submit") == "Signing in…"
    held[0].continue_()
    page.unroute("**/api/auth/token/")
    page.wait_for_selector("#status[data-state='signed-in']")
    assert page.text_content("#login-submit") == "Sign in"

    # A second device, so that the list has one to revoke.
    login(user)
    page.click("#rotate")
    page.wait_for_selector("#sessions tr[data-session-id] >> nth=1")
    assert "just now" in page.text_content("#sessions")
    assert page.get_attribute("#sessions time", "title")  # the exact moment
    assert "ago" in page.text_content("#profile") or "just now" in page.text_content(
        "#profile"
    )

    # The access token's lifetime counts down.
    before = int(page.text_content("#remaining").split("(")[1].split(" ")[0])
    page.wait_for_function(
        """before => parseInt(
            document.getElementById("remaining").textContent.split("(")[1]
        ) < before""",
        arg=before,
    )
    after = int(page.text_content("#remaining").split("(")[1].split(" ")[0])
    assert after < before

    page.click("#sessions button[data-current='false']")
    page.wait_for_selector("#sessions .confirm")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / f"demo-{width}.png", full_page=True)
    page.click("#sessions button.confirm-revoke")
    page.wait_for_selector("#message:has-text('Session revoked')")
    assert Session.objects.filter(revoked_at__isnull=False).count() == 1
    assert_no_horizontal_scroll(page)

    # Signing out everywhere asks first too.
    page.click("#logout-all")
    page.wait_for_selector("#logout-all-confirm")
    page.click("#logout-all-confirm")
    page.wait_for_selector("#message:has-text('1 session revoked')")
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("path", ["/reset/MTIz/abc-123/", "/verify/MTIz/abc-123/"])
def test_the_link_pages_fit_too(sized_page, path):
    """The pages the mails link to, with an error shown, fit the width as well."""
    page = sized_page
    page.goto(path)
    page.click("form button[type=submit]")
    page.wait_for_selector(
        "form .form-error:not([hidden]), form .field-error:text-matches('.')"
    )
    assert_no_horizontal_scroll(page)
