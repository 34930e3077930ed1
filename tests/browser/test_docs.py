"""
/api/docs/ in a real browser, offline: Swagger UI renders from the site's own
files, every operation is listed under its tag, and the page's
Content-Security-Policy is never violated.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_the_docs_render_offline_under_their_csp(page, live_server, settings):
    settings.API_DOCS = True
    own = urlsplit(live_server.url).netloc
    foreign: list[str] = []

    def only_this_site(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:  # no network beyond the site: a CDN would fail here
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-tag-section", state="attached")
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert [t.split("\n")[0] for t in tags][:3] == ["Sessions", "Accounts", "Profiles"]
    assert page.locator(".opblock-summary-description", has_text="Sign in").count()
    assert not foreign, foreign
    assert not violations, violations
