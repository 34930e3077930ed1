"""
What a new user meets first, in a real browser at a phone's width (390 x 844)
and a desktop's (1440 x 900): every action's answer is in view where its button
was, the page says where development mail goes, the session list follows
sign-ins elsewhere by itself, the pages run under a strict Content-Security-
Policy without a single violation, and no page asks for a missing icon.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accounts.models import User
from config.csp import PAGE_CSP
from tests.browser.conftest import admin_login
from tests.browser.flows import RESET_LINK, VERIFY_LINK, link_in, wait_for_mail
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "Plenty-of-entropy-42"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def links_to_the_live_server(settings, live_server):
    settings.FRONTEND_RESET_URL = live_server.url + "/reset/{uid}/{token}/"
    settings.FRONTEND_VERIFY_URL = live_server.url + "/verify/{uid}/{token}/"


class Watched:
    """What a tab reported: console errors, CSP violations, failed requests."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.missing: list[str] = []
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "response",
            lambda r: self.missing.append(r.url) if r.status == 404 else None,
        )

    def assert_clean(self) -> None:
        # A refused sign-in is a 4xx that Chromium logs as a console error;
        # only policy violations and script errors count here.
        bad = [e for e in self.errors if "Failed to load resource" not in e]
        assert not bad, bad
        assert not self.missing, self.missing


def assert_in_view(page: Any, selector: str, text: str) -> None:
    """*selector* says *text*, and all of it is inside the window right now."""
    element = page.locator(selector)
    element.filter(has_text=text).wait_for()
    box = element.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["height"] > 0, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (
        f"{selector} at y={box['y']:.0f}..{box['y'] + box['height']:.0f} "
        f"in a {height} px window"
    )


def sign_in(page: Any, email: str, password: str) -> None:
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#status[data-state='signed-in']")


# Feedback in view ------------------------------------------------------------


def test_the_reset_confirmation_is_in_view_on_a_phone(sized_page, width, user):
    """After "Mail me a reset link", at the foot of a phone's page, the answer shows."""
    page = sized_page
    page.goto("/")
    page.click("#forgot-toggle")
    page.fill("#reset-email", user.email)
    page.locator("#reset-request-submit").scroll_into_view_if_needed()
    page.click("#reset-request-submit")
    assert_in_view(page, "#message", "If an account with this email")
    assert page.get_attribute("#message", "role") == "status"
    wait_for_mail(user.email)


def test_every_action_answers_in_view(sized_page, width, live_server, login):
    """Register, sign in, rotate, revoke, sign out everywhere: each answer in view."""
    page = sized_page
    watched = Watched(page)
    email = f"ada-{width}@example.com"
    page.goto("/")
    page.fill("#register-email", email)
    page.fill("#register-password", NEW_PASSWORD)
    page.locator("#register-submit").scroll_into_view_if_needed()
    page.click("#register-submit")
    assert_in_view(page, "#message", "Account created")

    page.locator("#login-submit").scroll_into_view_if_needed()
    sign_in(page, email, NEW_PASSWORD)
    assert_in_view(page, "#message", "Signed in")
    # The page loads the profile and the session list after signing in; the
    # suite's in-memory SQLite refuses a second writer meanwhile, at once.
    page.wait_for_selector("#sessions tr[data-session-id]")

    login(User.objects.get(email=email), NEW_PASSWORD)  # a second device
    page.locator("#rotate").scroll_into_view_if_needed()
    page.click("#rotate")
    assert_in_view(page, "#message", "Tokens rotated")

    # The list redraws itself every few seconds: click() finds the button
    # again if a redraw replaced it, where a separate scroll step would not.
    page.locator("#sessions button[data-current='false']").click()
    page.click("#sessions button.confirm-revoke")
    assert_in_view(page, "#message", "Session revoked")

    page.locator("#logout-all").scroll_into_view_if_needed()
    page.click("#logout-all")
    page.click("#logout-all-confirm")
    assert_in_view(page, "#message", "1 session revoked")
    watched.assert_clean()


# Where development mail goes -------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "told"), [(CONSOLE, True), (LOCMEM, False)], ids=["console", "smtp"]
)
def test_registering_says_where_development_mail_goes(
    sized_page, width, settings, backend, told
):
    """With the console backend the page says the mail is in `make run`'s terminal."""
    settings.EMAIL_BACKEND = backend
    page = sized_page
    page.goto("/")
    page.fill("#register-email", f"grace-{width}@example.com")
    page.fill("#register-password", NEW_PASSWORD)
    page.click("#register-submit")
    page.wait_for_selector("#message:has-text('Account created')")
    said = page.text_content("#message")
    hint = "printed in the terminal running `make run`"
    assert (hint in said) is told, said


# The session list follows sign-ins elsewhere --------------------------------


def test_the_session_list_shows_a_sign_in_elsewhere_by_itself(
    browser, sized_page, width, live_server, user
):
    """A second browser signs in: the first page lists it, nobody clicking."""
    page = sized_page
    page.goto("/")
    sign_in(page, user.email, PASSWORD)
    page.wait_for_selector("#sessions tr[data-session-id]")
    assert page.locator("#sessions tr[data-session-id]").count() == 1

    elsewhere = browser.new_context(base_url=live_server.url)
    try:
        other = elsewhere.new_page()
        other.goto("/")
        sign_in(other, user.email, PASSWORD)
    finally:
        elsewhere.close()
    page.locator("#sessions tr[data-session-id] >> nth=1").wait_for(timeout=15_000)
    assert page.locator("#sessions tr[data-session-id]").count() == 2


def test_a_late_poll_answer_leaves_the_revoke_question_open(
    browser, page, live_server, user, login
):
    """
    The list's poll was in flight when the revoke question opened; its answer
    (a new sign-in changed the list) arrives after: the question stays.
    """
    login(user)  # a second device, so the page lists a session to revoke
    page.goto("/")
    sign_in(page, user.email, PASSWORD)
    page.locator("#sessions tr[data-session-id] >> nth=1").wait_for()

    held: list[Any] = []

    def hold_the_first_poll(route: Any) -> None:
        if route.request.method == "GET" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/auth/sessions/", hold_the_first_poll)
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # a poll starts
    while not held:
        page.wait_for_timeout(50)

    page.locator("#sessions button[data-current='false']").click()
    question = page.locator("#sessions .confirm")
    question.wait_for()
    login(user)  # a third device: the held answer now differs from the list
    with page.expect_response("**/api/auth/sessions/") as answered:
        held[0].continue_()
    answered.value.finished()
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 100))")

    assert question.count() == 1
    page.click("#sessions button.confirm-revoke")
    page.wait_for_selector("#message:has-text('Session revoked')")


# Content-Security-Policy -----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/reset/MTIz/abc-123/", "/verify/MTIz/abc/"])
def test_the_pages_carry_a_strict_policy(client, path):
    response = client.get(path, follow=True)
    policy = response["Content-Security-Policy"]
    assert policy == PAGE_CSP
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


@pytest.fixture
def clean_page(sized_page) -> Iterator[tuple[Any, Watched]]:
    yield sized_page, Watched(sized_page)


def test_reset_and_verify_work_under_the_policy(clean_page, width, live_server, user):
    """The mails' pages do their work with no violation and no missing file."""
    page, watched = clean_page
    page.goto("/")
    page.click("#forgot-toggle")
    page.fill("#reset-email", user.email)
    page.click("#reset-request-submit")
    page.wait_for_selector("#message:has-text('If an account with this email')")
    page.goto(link_in(wait_for_mail(user.email), RESET_LINK, live_server.url))
    page.fill("#reset-password", NEW_PASSWORD)
    page.fill("#reset-password-again", NEW_PASSWORD)
    page.click("#reset-submit")
    page.wait_for_selector("#reset-done:has-text('Password changed')")

    email = f"verify-{width}@example.com"
    page.goto("/")
    page.fill("#register-email", email)
    page.fill("#register-password", NEW_PASSWORD)
    page.click("#register-submit")
    page.goto(link_in(wait_for_mail(email), VERIFY_LINK, live_server.url))
    page.click("#verify-submit")
    page.wait_for_selector("#verify-done:has-text('Address confirmed')")
    watched.assert_clean()


def test_a_violation_would_be_seen(clean_page):
    """The watcher does catch a violation: an inline script under the policy."""
    page, watched = clean_page
    page.goto("/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.head.append(script);
        }"""
    )
    assert page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in e for e in watched.errors), watched.errors


# No missing icon -------------------------------------------------------------


def test_no_page_asks_for_a_missing_icon(sized_page, width, staff_user):
    """The demo, a mail's page and the admin name the icon, and it is served."""
    page = sized_page
    watched = Watched(page)
    for path in ("/", "/verify/MTIz/abc/", "/admin/login/"):
        page.goto(path)
        icon = page.get_attribute("link[rel=icon]", "href")
        assert icon and page.request.get(icon).ok, path
    admin_login(page, staff_user.email, PASSWORD)
    assert page.locator("link[rel=icon]").count() == 1
    # Pages that name no icon (an API answer, an error page) get it too.
    answer = page.request.get("/favicon.ico")
    assert answer.ok and answer.headers["content-type"].startswith("image/svg")
    watched.assert_clean()
