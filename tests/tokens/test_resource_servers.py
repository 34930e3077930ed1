"""
Registered resource servers: the model keeps a secret's hash only, and a
request authenticates as one with HTTP Basic or the form fields, constant
time, one answer for every failure.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client
from django.utils import timezone
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.admin_site import grant
from tokens import resource_servers
from tokens.models import ResourceServer
from tokens.resource_servers import (
    InvalidClient,
    InvalidRequest,
    ResourceServerAuthentication,
    client_authenticate,
)

CHANGELIST = "/admin/tokens/resourceserver/"


@pytest.fixture(autouse=True)
def _forget_verified_secrets():
    resource_servers.verified_secrets.clear()
    yield
    resource_servers.verified_secrets.clear()


@pytest.fixture
def registered(db):
    return ResourceServer.objects.create_with_secret(name="orders")


def basic(client_id: str, secret: str) -> str:
    raw = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def request_with(data=None, authorization=None, *, json=False) -> Request:
    factory = APIRequestFactory()
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if json:
        django_request = factory.post("/", data or {}, format="json", **extra)
    else:
        django_request = factory.post(
            "/",
            data or {},
            content_type="application/x-www-form-urlencoded",
            **extra,
        )
    return Request(django_request, parsers=[FormParser(), JSONParser()])


def form(**fields) -> str:
    from urllib.parse import urlencode

    return urlencode(fields, doseq=True)


# The model ---------------------------------------------------------------------


def test_the_secret_is_stored_as_a_hash_only(registered):
    server, secret = registered
    row = ResourceServer.objects.values().get(pk=server.pk)
    assert secret not in str(row)
    assert identify_hasher(row["secret_hash"])
    assert server.check_secret(secret)
    assert not server.check_secret(secret + "x")


def test_ids_and_secrets_are_generated_and_unique(db):
    made = [ResourceServer.objects.create_with_secret(name="x") for _ in range(3)]
    assert len({s.client_id for s, _ in made}) == 3
    assert len({secret for _, secret in made}) == 3
    assert all(len(secret) >= 43 for _, secret in made)


def test_the_audience_defaults_to_the_client_id(registered, db):
    server, _ = registered
    assert server.audience == server.client_id
    other, _ = ResourceServer.objects.create_with_secret(name="b", audience="urn:b")
    assert other.audience == "urn:b"


def test_a_server_made_without_a_secret_cannot_authenticate(db):
    server = ResourceServer.objects.create(name="bare")
    assert not server.check_secret("")
    with pytest.raises(InvalidClient):
        client_authenticate(request_with(authorization=basic(server.client_id, "x")))


def test_rotation_replaces_the_secret_at_once(registered):
    server, old = registered
    client_authenticate(request_with(authorization=basic(server.client_id, old)))
    new = server.rotate_secret()
    assert new != old
    with pytest.raises(InvalidClient):
        client_authenticate(request_with(authorization=basic(server.client_id, old)))
    assert client_authenticate(
        request_with(authorization=basic(server.client_id, new))
    ).pk == (server.pk)


def test_an_outdated_hash_is_upgraded(db, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    server = ResourceServer.objects.create(name="old")
    server.secret_hash = make_password("s" * 43, hasher="pbkdf2_sha1")
    server.save()
    assert server.check_secret("s" * 43)
    server.refresh_from_db()
    assert identify_hasher(server.secret_hash).algorithm == "md5"  # the tests' first


# Authentication ---------------------------------------------------------------


def test_basic_authenticates(registered):
    server, secret = registered
    request = request_with(authorization=basic(server.client_id, secret))
    assert client_authenticate(request).pk == server.pk


def test_the_form_fields_authenticate(registered):
    server, secret = registered
    request = request_with(form(client_id=server.client_id, client_secret=secret))
    assert client_authenticate(request).pk == server.pk


def test_basic_parts_are_form_decoded(db):
    """RFC 6749 §2.3.1: each part is form-encoded before Basic encoding."""
    server = ResourceServer.objects.create(name="odd")
    server.secret_hash = make_password("a b:c%")
    server.save()
    request = request_with(authorization=basic(server.client_id, "a+b%3Ac%25"))
    assert client_authenticate(request).pk == server.pk


@pytest.mark.parametrize(
    "how",
    ["nothing", "wrong_secret", "unknown_id", "inactive", "id_only", "bad_base64",
     "no_colon", "bearer", "nul_in_id", "long_secret", "json_list"],
)  # fmt: skip
def test_every_failure_is_invalid_client(registered, how):
    server, secret = registered
    if how == "inactive":
        ResourceServer.objects.filter(pk=server.pk).update(is_active=False)
    cases = {
        "nothing": lambda: request_with(),
        "wrong_secret": lambda: request_with(
            authorization=basic(server.client_id, secret[:-1])
        ),
        "unknown_id": lambda: request_with(authorization=basic("f" * 32, secret)),
        "inactive": lambda: request_with(authorization=basic(server.client_id, secret)),
        "id_only": lambda: request_with(form(client_id=server.client_id)),
        "bad_base64": lambda: request_with(authorization="Basic %%%"),
        "no_colon": lambda: request_with(
            authorization="Basic " + base64.b64encode(b"abc").decode()
        ),
        "bearer": lambda: request_with(authorization="Bearer a.b.c"),
        "nul_in_id": lambda: request_with(form(client_id="a\x00b", client_secret="x")),
        "long_secret": lambda: request_with(
            authorization=basic(server.client_id, "x" * 1000)
        ),
        "json_list": lambda: request_with(["client_id"], json=True),
    }
    with pytest.raises(InvalidClient) as raised:
        client_authenticate(cases[how]())
    assert raised.value.get_codes() == "invalid_client"


def test_two_methods_at_once_is_invalid_request(registered):
    server, secret = registered
    request = request_with(
        form(client_id=server.client_id, client_secret=secret),
        authorization=basic(server.client_id, secret),
    )
    with pytest.raises(InvalidRequest):
        client_authenticate(request)


def test_a_repeated_field_is_invalid_request(registered):
    server, secret = registered
    data = form(client_id=[server.client_id] * 2, client_secret=secret)
    with pytest.raises(InvalidRequest):
        client_authenticate(request_with(data))


def test_an_unknown_client_costs_a_hash(registered, monkeypatch):
    """The same hashing as a wrong secret: timing does not tell ids apart."""
    server, secret = registered
    hashed = []
    real = resource_servers.make_password
    monkeypatch.setattr(
        resource_servers, "make_password", lambda raw: hashed.append(raw) or real(raw)
    )
    with pytest.raises(InvalidClient):
        client_authenticate(request_with(authorization=basic("0" * 32, "guess")))
    assert hashed == ["guess"]


def test_a_verified_secret_is_not_hashed_again(registered, monkeypatch):
    server, secret = registered
    checks = []
    real = ResourceServer.check_secret
    monkeypatch.setattr(
        ResourceServer,
        "check_secret",
        lambda self, raw: checks.append(raw) or real(self, raw),
    )
    for _ in range(3):
        client_authenticate(request_with(authorization=basic(server.client_id, secret)))
    assert len(checks) == 1
    with pytest.raises(InvalidClient):
        client_authenticate(request_with(authorization=basic(server.client_id, "w")))
    assert len(checks) == 2, "a wrong secret is hashed in full"


def test_last_used_is_written_at_most_once_a_minute(
    registered, django_assert_num_queries
):
    server, secret = registered
    request = lambda: request_with(authorization=basic(server.client_id, secret))  # noqa: E731
    with django_assert_num_queries(2):  # the row, then last_used_at
        client_authenticate(request())
    with django_assert_num_queries(1):
        client_authenticate(request())
    ResourceServer.objects.filter(pk=server.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2)
    )
    with django_assert_num_queries(2):
        client_authenticate(request())


def test_failures_are_security_events_without_the_secret(registered, caplog):
    server, secret = registered
    wrong = request_with(authorization=basic(server.client_id, "wrong-secret"))
    with (
        caplog.at_level(logging.WARNING, "tokens.security"),
        pytest.raises(InvalidClient),
    ):
        client_authenticate(wrong)
    (record,) = [r for r in caplog.records if r.event == "client_auth_failed"]
    assert (record.reason, record.client_id) == ("bad_secret", server.client_id)
    assert "wrong-secret" not in str(vars(record))


def test_the_drf_authentication_puts_the_server_in_request_auth(registered):
    server, secret = registered
    request = request_with(authorization=basic(server.client_id, secret))
    request.authenticators = [ResourceServerAuthentication()]
    assert request.auth.pk == server.pk
    assert not request.user.is_authenticated
    header = ResourceServerAuthentication().authenticate_header(request)
    assert header == 'Basic realm="api"'


# The admin --------------------------------------------------------------------


@pytest.fixture
def staff(make_user):
    user = make_user(is_staff=True)
    perms = ("view", "add", "change")
    return grant(user, *(f"tokens.{p}_resourceserver" for p in perms))


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_the_new_secret_once(staff):
    client = staff_client(staff)
    response = client.post(
        CHANGELIST + "add/", {"name": "billing", "audience": ""}, follow=True
    )
    assert response.status_code == HTTPStatus.OK
    server = ResourceServer.objects.get(name="billing")
    messages = [str(m) for m in response.context["messages"]]
    (message,) = [m for m in messages if "client secret" in m]
    secret = message.split("client secret <code>")[1].split("</code>")[0]
    assert server.check_secret(secret)
    assert secret not in server.secret_hash
    # Never again: not on the list, the change page, or the next page.
    for url in (CHANGELIST, f"{CHANGELIST}{server.pk}/change/"):
        page = client.get(url).content.decode()
        assert secret not in page
        assert "secret_hash" not in page and server.secret_hash not in page
    assert server.audience == server.client_id


def test_the_admin_add_form_has_no_secret_field(staff):
    page = staff_client(staff).get(CHANGELIST + "add/").content.decode()
    assert 'name="name"' in page and 'name="audience"' in page
    assert "secret" not in page.lower().split("<form")[1].split("</form>")[0]


def test_rotating_in_the_admin_shows_the_new_secret_once(staff, registered):
    server, old = registered
    client = staff_client(staff)
    response = client.post(
        CHANGELIST,
        {"action": "rotate_secret", "_selected_action": [server.pk]},
        follow=True,
    )
    (message,) = [str(m) for m in response.context["messages"]]
    new = message.split("client secret <code>")[1].split("</code>")[0]
    server.refresh_from_db()
    assert server.check_secret(new) and not server.check_secret(old)
    assert new not in client.get(CHANGELIST).content.decode()


def test_deactivating_in_the_admin(staff, registered):
    server, secret = registered
    staff_client(staff).post(
        CHANGELIST,
        {"action": "deactivate_selected", "_selected_action": [server.pk]},
    )
    server.refresh_from_db()
    assert not server.is_active
    with pytest.raises(InvalidClient):
        client_authenticate(request_with(authorization=basic(server.client_id, secret)))


def test_viewing_staff_cannot_rotate(make_user, registered):
    server, secret = registered
    viewer = grant(make_user(is_staff=True), "tokens.view_resourceserver")
    page = staff_client(viewer).get(CHANGELIST).content.decode()
    assert "rotate_secret" not in page
    staff_client(viewer).post(
        CHANGELIST, {"action": "rotate_secret", "_selected_action": [server.pk]}
    )
    server.refresh_from_db()
    assert server.check_secret(secret)
