"""
The OAuth endpoints, turned on, under hostile input: never a 5xx, and every
error in RFC 6749's shape. tests/test_fuzz.py sweeps every endpoint with the
settings as they are, where these are off (a 404).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests import test_fuzz as fuzz
from tests.tokens.oauth import FORM, INTROSPECT, METADATA, REVOKE, basic

ENDPOINTS = [INTROSPECT, REVOKE]
NAMES = ["token", "token_type_hint", "client_id", "client_secret"]

pytestmark = pytest.mark.usefixtures("oauth_on")

values = (
    fuzz.tokens
    | st.sampled_from(fuzz.HOSTILE_STRINGS)
    | st.text(alphabet=fuzz.LATIN1, max_size=80)
)


@st.composite
def form_bodies(draw) -> bytes:
    """A form over the endpoints' fields (repeated or not), or raw bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=8), values))
    )
    return urlencode(pairs, errors="surrogatepass").encode()


def check(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content)
    if response.status_code >= 400 and response.status_code != 404:
        body = json.loads(response.content)
        assert set(body) == {"error", "error_description"}, body


def credentials(resource_server) -> dict[str, str]:
    server, secret = resource_server
    return {"HTTP_AUTHORIZATION": basic(server.client_id, secret)}


@pytest.mark.django_db
def test_sweep_with_fixed_hostile_input(resource_server):
    client = Client()
    for path in ENDPOINTS:
        for headers in [{}, credentials(resource_server), *fuzz.SWEEP_HEADERS]:
            for body in fuzz.SWEEP_BODIES:
                for content_type in (FORM, "application/json", "text/plain"):
                    check(client.generic("POST", path, body, content_type, **headers))
            check(client.get(path, **headers))


@pytest.mark.django_db
@fuzz.FUZZ
@given(data=st.data())
def test_random_forms_as_an_authenticated_server(data, resource_server):
    path = data.draw(st.sampled_from(ENDPOINTS))
    body = data.draw(form_bodies())
    content_type = data.draw(st.sampled_from([FORM, f"{FORM}; charset=latin-1"]))
    headers = credentials(resource_server)
    check(Client().generic("POST", path, body, content_type, **headers))


@pytest.mark.django_db
@fuzz.FUZZ
@given(data=st.data())
def test_random_headers_and_forms(data, resource_server):
    path = data.draw(st.sampled_from(ENDPOINTS))
    body = data.draw(form_bodies())
    headers = data.draw(fuzz.headers)
    content_type = data.draw(fuzz.content_types)
    check(Client().generic("POST", path, body, content_type, **headers))


@pytest.mark.django_db
@fuzz.FUZZ
@given(headers=fuzz.headers, method=st.sampled_from(["get", "post", "put", "delete"]))
def test_the_metadata_under_random_headers(headers, method):
    response = Client().generic(method.upper(), METADATA, b"", FORM, **headers)
    assert response.status_code < 500, response.content
