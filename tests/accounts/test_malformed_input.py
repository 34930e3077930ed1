"""Whatever the body, the account and profile endpoints answer 4xx, never 500."""

import json
from http import HTTPStatus

import pytest

from accounts.models import User

ANONYMOUS = [
    ("post", "/api/accounts/register/"),
    ("post", "/api/accounts/password-reset/"),
    ("post", "/api/accounts/password-reset/confirm/"),
]
SIGNED_IN = [
    ("patch", "/api/accounts/me/"),
    ("delete", "/api/accounts/me/"),
    ("post", "/api/accounts/me/password/"),
    ("patch", "/api/profiles/{own}/"),
]
ENDPOINTS = ANONYMOUS + SIGNED_IN

VALID = {
    "/api/accounts/register/": {"email": "new@example.com", "password": "x" * 20},
    "/api/accounts/password-reset/": {"email": "new@example.com"},
    "/api/accounts/password-reset/confirm/": {
        "uid": "MQ",
        "token": "a-b",
        "new_password": "x" * 20,
    },
    "/api/accounts/me/": {"display_name": "x"},
    "/api/accounts/me/password/": {
        "current_password": "x" * 20,
        "new_password": "y" * 20,
    },
    "/api/profiles/{own}/": {"bio": "x"},
}

MALFORMED_BODIES = {
    "truncated": '{"email": "a@b.c"',
    "trailing garbage": '{"email": "a@b.c"} xyz',
    "single quotes": "{'email': 'a@b.c'}",
    "NaN": '{"email": NaN}',
    "Infinity": '{"password": Infinity}',
    "deeply nested": "[" * 30_000 + "]" * 30_000,
    "deeply nested object": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "huge integer": '{"email": ' + "9" * 5000 + "}",
    "invalid utf-8": b'{"email": "\xff\xfe"}',
}

NON_OBJECTS = ["[]", "null", '"a string"', "42", "true", '[{"email": "a@b.c"}]']

WRONG_TYPES = [None, 42, 4.2, True, [], ["a@b.c"], {"a": 1}, {"$gt": ""}]


@pytest.fixture
def clients(api_client, user, signed_in):
    return {"anonymous": api_client, "signed in": signed_in(user), "user": user}


def call(clients, method, path, body, content_type="application/json"):
    signed = (method, path) in SIGNED_IN
    client = clients["signed in" if signed else "anonymous"]
    path = path.format(own=clients["user"].pk)
    return getattr(client, method)(path, data=body, content_type=content_type)


def assert_client_error(response, *allowed):
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    if allowed:
        assert response.status_code in allowed, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_json_is_400(clients, method, path, body):
    response = call(clients, method, path, body)
    assert_client_error(response, HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(("method", "path"), ANONYMOUS + [SIGNED_IN[1], SIGNED_IN[2]])
def test_an_empty_body_is_400_where_fields_are_required(clients, method, path):
    assert_client_error(call(clients, method, path, ""), HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(("method", "path"), [SIGNED_IN[0], SIGNED_IN[3]])
def test_an_empty_patch_changes_nothing(clients, method, path):
    assert call(clients, method, path, "").status_code == HTTPStatus.OK


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("body", NON_OBJECTS)
def test_json_that_is_not_an_object_is_400(clients, method, path, body):
    assert_client_error(call(clients, method, path, body), HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_wrong_types_are_400(clients, method, path, value):
    """Every field given a non-string (numbers included) is refused by name."""
    valid = VALID[path]
    body = json.dumps({name: value for name in valid})
    response = call(clients, method, path, body)
    assert_client_error(response, HTTPStatus.BAD_REQUEST)
    assert set(valid) <= set(response.json())


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_nul_bytes_in_strings_are_400(clients, method, path):
    body = json.dumps({name: "a\x00b@example.com" for name in VALID[path]})
    assert_client_error(call(clients, method, path, body), HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_lone_surrogates_are_400(clients, method, path):
    body = "{" + ", ".join(f'"{name}": "a\\ud800b"' for name in VALID[path]) + "}"
    assert_client_error(call(clients, method, path, body), HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_unknown_fields_are_400(clients, method, path):
    body = json.dumps({**VALID[path], "is_staff": True, "is_superuser": True})
    response = call(clients, method, path, body)
    assert_client_error(response, HTTPStatus.BAD_REQUEST)
    assert {"is_staff", "is_superuser"} <= set(response.json())
    assert not User.objects.filter(is_staff=True).exists()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_body_over_64_kib_is_413(clients, method, path):
    body = json.dumps({name: "x" * (65 * 1024) for name in VALID[path]})
    response = call(clients, method, path, body)
    assert_client_error(response, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ],
)
def test_other_media_types_are_415(clients, method, path, content_type):
    response = call(clients, method, path, "email=a@b.c", content_type=content_type)
    assert_client_error(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_overlong_strings_are_400(clients, method, path):
    body = json.dumps({name: "x" * 5000 for name in VALID[path]})
    assert_client_error(call(clients, method, path, body), HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize(("method", "path"), SIGNED_IN)
@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a.b.c",
        "Bearer " + "x" * 10_000,
        "Basic dXNlcjpwYXNz",
        "Bearer \x00",
    ],
)
def test_bad_authorization_headers_are_401(api_client, user, method, path, header):
    path = path.format(own=user.pk)
    response = getattr(api_client, method)(
        path, data="{}", content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert_client_error(response, HTTPStatus.UNAUTHORIZED)
