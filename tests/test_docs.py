"""
The API documentation page: served by the site (no CDN), grouped and
summarised, off unless API_DOCS, under a strict Content-Security-Policy.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
import yaml
from django.contrib.staticfiles import finders

DOCS = "/api/docs/"


@pytest.fixture
def docs_on(settings):
    settings.API_DOCS = True


def test_docs_are_off_unless_api_docs(settings, client):
    settings.API_DOCS = False
    assert client.get(DOCS).status_code == HTTPStatus.NOT_FOUND
    assert client.get(DOCS + "?script=").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/api/schema/").status_code == HTTPStatus.OK


def test_docs_are_on_by_default_only_in_development():
    from config import settings as project

    assert project.API_DOCS == project.DEBUG


def test_the_page_loads_only_its_own_files(docs_on, client):
    """Every script and stylesheet is a static file of this site, none inline."""
    page = client.get(DOCS).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert not [s for s in sources if "//" in s], "no other origin"
    assert "<style" not in page
    assert re.search(r"<script>\s*\S", page) is None, "no inline script"
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source


def test_swagger_ui_comes_from_the_pinned_sidecar(docs_on, client):
    page = client.get(DOCS).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in (
        page
    )


def test_the_page_and_its_script_carry_a_strict_csp(docs_on, client):
    for url in (DOCS, DOCS + "?script="):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        policy = dict(
            part.strip().split(" ", 1)
            for part in response["Content-Security-Policy"].split(";")
        )
        assert policy["default-src"] == "'none'"
        assert policy["script-src"] == "'self'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert policy["frame-ancestors"] == "'none'"
    script = client.get(DOCS + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_operations_are_grouped_by_tag_with_summaries(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    tags = [tag["name"] for tag in schema["tags"]]
    assert tags[:3] == ["Sessions", "Accounts", "Profiles"]
    summaries = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["tags"][0] in tags, (method, path)
            assert operation["summary"], (method, path)
            summaries.append(operation["summary"])
    assert len(summaries) == len(set(summaries)), "each summary names one operation"
    login = schema["paths"]["/api/auth/token/"]["post"]
    assert (login["tags"], login["summary"]) == (["Sessions"], "Sign in")
