"""
A forgotten password, entirely in the browser, at a phone's width and a
desktop's: the demo's "Forgot your password?", the mail, the reset page it
links to, and signing in again.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_horizontal_scroll
from tests.browser.flows import RESET_LINK, link_in, wait_for_mail
from tokens.models import Session

NEW_PASSWORD = "a brand new passphrase 77"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def site_url(settings, live_server):
    settings.FRONTEND_RESET_URL = live_server.url + "/reset/{uid}/{token}/"


def old_session_id(user):
    return Session.objects.get(user=user).pk


def ask_for_a_link(page, email: str) -> None:
    page.goto("/")
    page.click("#forgot-toggle")
    page.fill("#reset-email", email)
    page.click("#reset-request-submit")
    page.wait_for_selector("#message:has-text('If an account with this email')")
    assert_no_horizontal_scroll(page)


def test_forgot_password_to_signed_in_with_the_new_one(
    sized_page, live_server, user, login
):
    """From the sign-in form through the mail to a session with the new password."""
    page = sized_page
    login(user)
    ask_for_a_link(page, user.email)
    link = link_in(wait_for_mail(user.email), RESET_LINK, live_server.url)

    page.goto(link)
    # The token leaves the address bar (and any Referer) at once.
    assert page.url.endswith("/set-password/")
    assert link.rstrip("/").rsplit("/", 1)[1] not in page.url
    page.fill("#reset-password", NEW_PASSWORD)
    page.fill("#reset-password-again", NEW_PASSWORD)
    page.click("#reset-submit")
    page.wait_for_selector("#reset-done:has-text('Password changed')")
    assert_no_horizontal_scroll(page)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The reset ended the session signed in before it.
    assert Session.objects.get(pk=old_session_id(user)).revoked_at is not None

    page.click("#reset-sign-in")
    page.fill("#login-email", user.email)
    page.fill("#login-password", NEW_PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#status[data-state='signed-in']")
    page.wait_for_selector(f"#profile dd:has-text('{user.email}')")


def test_reset_page_shows_errors_next_to_the_fields(sized_page, live_server, user):
    """Differing passwords and a weak one are said under the field; a used link too."""
    page = sized_page
    ask_for_a_link(page, user.email)
    link = link_in(wait_for_mail(user.email), RESET_LINK, live_server.url)
    page.goto(link)

    page.fill("#reset-password", NEW_PASSWORD)
    page.fill("#reset-password-again", NEW_PASSWORD + "x")
    page.click("#reset-submit")
    note = "label:has(#reset-password-again) .field-error"
    page.wait_for_selector(f"{note}:has-text('differ')")

    page.fill("#reset-password", "password")
    page.fill("#reset-password-again", "password")
    page.click("#reset-submit")
    page.wait_for_selector("label:has(#reset-password) .field-error:has-text('common')")
    assert_no_horizontal_scroll(page)
    assert page.get_attribute("#reset-password", "aria-invalid") == "true"
    assert page.text_content(note) == ""

    page.fill("#reset-password", NEW_PASSWORD)
    page.fill("#reset-password-again", NEW_PASSWORD)
    page.click("#reset-submit")
    page.wait_for_selector("#reset-done")
    page.goto(link)  # the same link again
    page.fill("#reset-password", NEW_PASSWORD + "2")
    page.fill("#reset-password-again", NEW_PASSWORD + "2")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-form .form-error:has-text('invalid or has expired')")
