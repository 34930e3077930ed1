"""
Fuzzing: random and hostile bodies, headers and tokens at every API endpoint.

The endpoints come from the URL resolver (so endpoints added later are fuzzed
too) and their request fields from the OpenAPI schema. The only assertion is
the contract every endpoint keeps: bad input is a 4xx, never a 5xx. A view
that raises fails the test with its traceback (the test client re-raises).

Headers are Latin-1 strings, as WSGI servers hand them to Django (PEP 3333).
``FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py`` searches longer than the
suite's bounded default.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from functools import cache

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.tokens.craft import b64, hs_header, sign_hs256
from tokens import services

METHODS = ("get", "post", "put", "patch", "delete")
SLOW = {"/api/schema/", "/api/docs/"}  # schema generation: swept, not drawn
CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
SAMPLES = {"uuid": "0f0f0f0f-0000-4000-8000-000000000000", "int": "1", "slug": "x"}
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def _concrete(route: str) -> str:
    path = CONVERTER.sub(lambda m: SAMPLES.get(m["conv"] or "str", "x"), route)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def _methods(callback) -> list[str]:
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return [m for m in METHODS if view is not None and hasattr(view, m)]


@cache
def endpoints() -> list[tuple[str, str, str]]:
    """Every (method, path, route) under /api/ and /.well-known/."""
    found = []
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.lstrip("^").startswith(("api/", ".well-known/")):
            continue
        found += [(m, _concrete(route), route) for m in _methods(callback)]
    return sorted(set(found))


@cache
def schema_fields() -> dict[tuple[str, str], list[str]]:
    """Request body field names per (method, path template) from the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    fields = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            ref = body.get("application/json", {}).get("schema", {}).get("$ref", "")
            properties = components.get(ref.rsplit("/", 1)[-1], {}).get(
                "properties", {}
            )
            fields[(method, path)] = sorted(properties)
    return fields


def field_names(method: str, route: str) -> list[str]:
    template = "/" + CONVERTER.sub(lambda m: "{" + m["name"] + "}", route)
    known = schema_fields().get((method, template), [])
    return known or ["email", "password", "refresh", "token"]


def drawn_endpoints() -> list[tuple[str, str, str]]:
    return [e for e in endpoints() if e[1] not in SLOW]


# Strategies --------------------------------------------------------------------

HOSTILE_STRINGS = [
    "", " ", "\x00", "a\x00b", "\ud800", "\ufeff", "😀" * 50, "a" * 10_000,
    "' OR 1=1 --", "<script>alert(1)</script>", "../../../etc/passwd", "%00",
    "9" * 400, "-1", "1e999", "NaN", "null", "true", "{}", "[]",
    "user@example.com", "@", "a@b", "x" * 300 + "@example.com",
    "eyJhbGciOiJub25lIn0.e30.", "a.b.c", "....",
]  # fmt: skip
LATIN1 = st.characters(min_codepoint=0, max_codepoint=255)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(HOSTILE_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def crafted_tokens(draw) -> str:
    """A token signed with the real key over random or perturbed claims."""
    now = int(time.time())
    claims = {
        "token_type": draw(st.sampled_from(["access", "refresh", "", "id"])),
        "iss": "revocable-jwt", "aud": "revocable-jwt-api",
        "sub": draw(st.sampled_from(["1", "abc", "9" * 30, "1\x00"]) | st.text()),
        "sid": str(uuid.uuid4()), "jti": uuid.uuid4().hex,
        "iat": now, "nbf": now, "exp": now + 300,
    }  # fmt: skip
    claims.update(draw(st.dictionaries(st.sampled_from(list(claims)), json_values)))
    header = {**hs_header(), **draw(st.dictionaries(st.text(max_size=5), json_values))}
    if draw(st.booleans()):
        return sign_hs256(header, claims)
    raw = draw(st.binary(max_size=200))
    return sign_hs256(json.dumps(header).encode(), raw)


garbage_tokens = (
    st.text(alphabet=LATIN1, max_size=300)
    | st.sampled_from(HOSTILE_STRINGS[:3] + ["a.b.c", "...."])
    | st.builds(lambda h, p, s: f"{b64(h)}.{b64(p)}.{b64(s)}",
                st.binary(max_size=60), st.binary(max_size=60), st.binary(max_size=40))
)  # fmt: skip
tokens = crafted_tokens() | garbage_tokens
authorization = (
    st.builds(lambda t: f"Bearer {t}", tokens)
    | st.text(alphabet=LATIN1, max_size=200)
    | st.sampled_from(
        ["Bearer", "Bearer ", "Bearer  a b", "Basic dTpw", "bearer x.y.z"]
    )
    | st.builds(lambda n: "Bearer " + "A" * n, st.integers(8000, 100_000))
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_AUTHORIZATION": authorization,
        "HTTP_COOKIE": st.builds(
            lambda t, c: f"refresh_token={t}; csrftoken={c}",
            tokens.filter(lambda t: ";" not in t and "\n" not in t),
            st.text(alphabet="abcdefABCDEF0123456789", max_size=64),
        ),
        "HTTP_X_CSRFTOKEN": st.text(alphabet=LATIN1, max_size=80),
        "HTTP_ORIGIN": st.sampled_from(["http://testserver", "null", "https://x.y"])
        | st.text(alphabet=LATIN1, max_size=60),
        "HTTP_REFERER": st.text(alphabet=LATIN1, max_size=60),
        "HTTP_X_FORWARDED_FOR": st.text(alphabet=LATIN1, max_size=60),
        "HTTP_USER_AGENT": st.text(alphabet=LATIN1, max_size=2000),
        "HTTP_ACCEPT_LANGUAGE": st.text(alphabet=LATIN1, max_size=40),
    },
)
content_types = st.sampled_from([
    "application/json", "application/json; charset=latin-1", "text/plain",
    "application/x-www-form-urlencoded", "multipart/form-data", "",
    "application/json; charset=bogus",
])  # fmt: skip


@st.composite
def bodies(draw, names: list[str]) -> bytes:
    """A JSON object over the endpoint's fields, random JSON, or raw bytes."""
    kind = draw(st.sampled_from(["fields", "json", "raw"]))
    if kind == "raw":
        return draw(st.binary(max_size=500))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    value = st.one_of(json_values, tokens)
    body = draw(st.fixed_dictionaries({}, optional=dict.fromkeys(names, value)))
    return json.dumps(body).encode()


# Helpers -----------------------------------------------------------------------


def send(
    client: APIClient,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    **extra,
):
    response = client.generic(method.upper(), path, body, content_type, **extra)
    assert response.status_code < 500, (
        method,
        path,
        response.status_code,
        response.content[:300],
    )
    return response


def cookie_mode(enabled: bool):
    from django.conf import settings as django_settings

    return override_settings(
        TOKENS={**django_settings.TOKENS, "REFRESH_COOKIE": enabled}
    )


def fresh_access_token() -> str:
    """A valid access token for a new user (examples may revoke or delete it)."""
    user = get_user_model().objects.create_user(
        f"fuzz-{uuid.uuid4().hex}@example.com", "correct horse battery staple"
    )
    return services.session_create(user=user).access


# Tests -------------------------------------------------------------------------


def test_every_endpoint_is_found():
    """The resolver walk sees the token API, the JWKS and the schema."""
    paths = {path for _, path, _ in endpoints()}
    assert {"/api/auth/token/", "/api/auth/token/refresh/", "/api/auth/logout/",
            "/.well-known/jwks.json", "/api/schema/"} <= paths  # fmt: skip


SWEEP_HEADERS = [
    {},
    {"HTTP_AUTHORIZATION": "Bearer " + "A" * 70_000},
    {"HTTP_AUTHORIZATION": "Bearer \x00\xff.\x01.\x02"},
    {"HTTP_AUTHORIZATION": "Bearer eyJhbGciOiJub25lIn0.e30."},
    {"HTTP_AUTHORIZATION": "Bearer a.b.c d.e.f"},
    {"HTTP_COOKIE": "refresh_token=a.b.c; csrftoken=x"},
]
SWEEP_BODIES = [b"", b"{", b"[]", b"null", b'"x"', b"{}", b"\xff\xfe",
                b"[" * 50_000, b'{"a": NaN}', b"x" * 100_000]  # fmt: skip


@pytest.mark.django_db
def test_sweep_every_endpoint_with_fixed_hostile_input():
    """Each endpoint and method gets the same fixed set of hostile requests."""
    client = APIClient()
    for method, path, route in endpoints():
        for extra in SWEEP_HEADERS:
            send(client, method, path, **extra)
        if method == "get":
            continue
        names = field_names(method, route)
        hostile = [json.dumps(dict.fromkeys(names, s)).encode()
                   for s in HOSTILE_STRINGS]  # fmt: skip
        for body in SWEEP_BODIES + hostile:
            send(client, method, path, body)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_random_bodies_never_5xx(data):
    method, path, route = data.draw(st.sampled_from(drawn_endpoints()))
    body = data.draw(bodies(field_names(method, route)))
    with cookie_mode(data.draw(st.booleans())):
        send(APIClient(), method, path, body, content_type=data.draw(content_types))


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_random_headers_and_tokens_never_5xx(data):
    method, path, route = data.draw(st.sampled_from(drawn_endpoints()))
    body = data.draw(bodies(field_names(method, route))) if method != "get" else b""
    with cookie_mode(data.draw(st.booleans())):
        send(APIClient(), method, path, body, **data.draw(headers))


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_authenticated_random_requests_never_5xx(data):
    """Past authentication: the views themselves get the random input."""
    method, path, route = data.draw(st.sampled_from(drawn_endpoints()))
    body = data.draw(bodies(field_names(method, route))) if method != "get" else b""
    access = fresh_access_token()
    send(APIClient(), method, path, body, HTTP_AUTHORIZATION=f"Bearer {access}")
