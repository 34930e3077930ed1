"""
Email verification in the browser, with ``ACCOUNTS_EMAIL_VERIFICATION =
"mandatory"``, at a phone's width and a desktop's: register, be refused at
sign-in, ask for the link again, follow it, and sign in with the address shown
as verified.
"""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.browser.flows import VERIFY_LINK, link_in, wait_for_mail

PASSWORD = "Plenty-of-entropy-42"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def mandatory(settings, live_server):
    settings.ACCOUNTS_EMAIL_VERIFICATION = "mandatory"
    settings.FRONTEND_VERIFY_URL = live_server.url + "/verify/{uid}/{token}/"


def test_register_verify_then_sign_in(sized_page, live_server):
    page = sized_page
    email = "grace@example.com"
    page.goto("/")
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.click("#register-submit")
    page.wait_for_selector("#message:has-text('Follow the link mailed to it')")
    first = wait_for_mail(email)

    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#login-form .form-error:has-text('not verified')")
    assert_no_horizontal_scroll(page)
    assert page.get_attribute("#status", "data-state") == "signed-out"

    page.click("#resend-verification")
    page.wait_for_selector("#message:has-text('a new verification link has been sent')")
    second = wait_for_mail(email, count=2)
    assert first.subject == second.subject == "Confirm your email address"

    page.goto(link_in(second, VERIFY_LINK, live_server.url))
    assert not User.objects.get(email=email).email_verified  # opening is not enough
    page.click("#verify-submit")
    page.wait_for_selector("#verify-done:has-text('Address confirmed')")
    assert User.objects.get(email=email).email_verified

    page.click("#verify-sign-in")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#status[data-state='signed-in']")
    page.wait_for_selector("#verify-state[data-verified='true']")
    assert_no_horizontal_scroll(page)


def test_a_used_link_says_so(sized_page, live_server):
    page = sized_page
    email = "used@example.com"
    page.goto("/")
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.click("#register-submit")
    link = link_in(wait_for_mail(email), VERIFY_LINK, live_server.url)
    for expected in ("#verify-done", "#verify-form .form-error:has-text('invalid')"):
        page.goto(link)
        page.click("#verify-submit")
        page.wait_for_selector(expected)
