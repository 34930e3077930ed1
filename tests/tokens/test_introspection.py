"""
RFC 7662 introspection at POST /api/auth/introspect/: registered resource
servers only; an active token's claims, and for every other token one
answer, ``{"active": false}``, that tells nothing apart.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from http import HTTPStatus

import pytest
import yaml
from django.utils import timezone

from tests.tokens.craft import claims_of, hs_header, sign_hs256
from tests.tokens.oauth import INTROSPECT, basic, form_post
from tokens import services
from tokens.models import ResourceServer, RevocationReason
from tokens.signed import SignedAccessToken

pytestmark = pytest.mark.usefixtures("oauth_on")

INACTIVE = b'{"active":false}'


@pytest.fixture
def pair(user):
    return services.session_create(user=user)


@pytest.fixture
def long_lease(settings):
    settings.TOKENS = {**settings.TOKENS, "CACHE_LEASE": timedelta(hours=1)}


def introspect(oauth_post, token, **extra):
    return oauth_post(INTROSPECT, {"token": token}, **extra)


def assert_inactive(response):
    assert response.status_code == HTTPStatus.OK
    assert response.content == INACTIVE
    assert response["Cache-Control"] == "no-store"


# Off by default --------------------------------------------------------------


def test_off_by_default_it_is_a_404_and_not_in_the_schema(settings, client, pair):
    settings.TOKENS = {**settings.TOKENS, "INTROSPECTION_ENABLED": False}
    response = form_post(INTROSPECT, {"token": pair.access})
    assert response.status_code == HTTPStatus.NOT_FOUND
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert "/api/auth/introspect/" not in schema["paths"]


def test_on_it_is_in_the_schema_with_its_form_and_basic_scheme(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/auth/introspect/"]["post"]
    assert list(operation["requestBody"]["content"]) == [
        "application/x-www-form-urlencoded"
    ]
    assert {"200", "400", "401", "413", "429"} <= set(operation["responses"])
    assert {"resourceServerBasic": []} in operation["security"]
    scheme = schema["components"]["securitySchemes"]["resourceServerBasic"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")


# Client authentication --------------------------------------------------------


@pytest.mark.parametrize("how", ["none", "wrong", "unknown", "inactive", "bearer"])
def test_only_an_authenticated_resource_server_is_answered(resource_server, pair, how):
    server, secret = resource_server
    if how == "inactive":
        ResourceServer.objects.filter(pk=server.pk).update(is_active=False)
    authorization = {
        "none": None,
        "wrong": basic(server.client_id, "x" + secret),
        "unknown": basic("0" * 32, secret),
        "inactive": basic(server.client_id, secret),
        "bearer": f"Bearer {pair.access}",
    }[how]
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = form_post(INTROSPECT, {"token": pair.access}, **extra)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
    }
    assert response["WWW-Authenticate"] == 'Basic realm="api"'
    assert response["Cache-Control"] == "no-store"


def test_the_form_fields_authenticate_too(resource_server, pair):
    server, secret = resource_server
    response = form_post(
        INTROSPECT,
        {"token": pair.access, "client_id": server.client_id, "client_secret": secret},
    )
    assert response.json()["active"] is True


def test_failed_authentications_are_throttled_and_successes_are_not(
    resource_server, pair, rates, oauth_post
):
    rates(client_auth_ip="3/min")
    for _ in range(5):
        assert introspect(oauth_post, pair.access).status_code == HTTPStatus.OK
    for _ in range(3):
        response = introspect(oauth_post, pair.access, auth=False)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
    response = introspect(oauth_post, pair.access)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json()["error"] == "temporarily_unavailable"
    assert int(response["Retry-After"]) > 0


# Active tokens -----------------------------------------------------------------


def test_an_active_access_token_with_its_claims(oauth_post, pair):
    services.session_claims_set(session=pair.session, claims={"role": "editor"})
    access = str(SignedAccessToken.for_session(pair.session, timezone.now()))
    body = introspect(oauth_post, access).json()
    claims = claims_of(access)
    assert body == {"active": True, **claims}
    assert body["token_type"] == "access"
    assert body["role"] == "editor"
    assert {"sub", "sid", "exp", "iat", "jti", "iss", "aud"} <= set(body)
    assert body["sid"] == str(pair.session.pk)
    assert "client_id" not in body


def test_an_active_refresh_token(oauth_post, pair):
    body = introspect(oauth_post, pair.refresh).json()
    assert body["active"] is True
    assert body["token_type"] == "refresh"
    assert body["sid"] == str(pair.session.pk)


def test_a_custom_claim_named_active_cannot_speak_for_the_token(
    oauth_post, pair, committed
):
    services.session_claims_set(session=pair.session, claims={"active": False})
    access = str(SignedAccessToken.for_session(pair.session, timezone.now()))
    assert introspect(oauth_post, access).json()["active"] is True
    with committed():
        services.session_revoke(session=pair.session, reason=RevocationReason.ADMIN)
    services.session_claims_set(session=pair.session, claims={"active": True})
    assert_inactive(introspect(oauth_post, access))


def test_the_hint_is_ignored(oauth_post, pair):
    for hint in ("refresh_token", "access_token", "bogus"):
        response = oauth_post(
            INTROSPECT, {"token": pair.access, "token_type_hint": hint}
        )
        assert response.json()["token_type"] == "access"


# Inactive tokens: one answer ----------------------------------------------------


def expired_access(pair) -> str:
    now = timezone.now()
    return str(
        SignedAccessToken.build(
            session=pair.session,
            jti=uuid.uuid4(),
            issued_at=now - timedelta(hours=1),
            expires_at=now - timedelta(minutes=30),
        )
    )


def signed_claims(pair, *, secret=None, **changes) -> str:
    claims = {**claims_of(pair.access), **changes}
    return sign_hs256(hs_header(), claims, secret=secret)


def inactive_tokens(pair) -> dict[str, str]:
    """Every way a token of a standing session is not active."""
    return {
        "expired": expired_access(pair),
        "forged signature": signed_claims(pair, secret=b"k" * 32),
        "other issuer": signed_claims(pair, iss="someone-else"),
        "other audience": signed_claims(pair, aud="another-api"),
        "unknown session": signed_claims(pair, sid=str(uuid.uuid4())),
        "other user": signed_claims(pair, sub="999999"),
        "wrong type": signed_claims(pair, token_type="id"),
        "garbage": "garbage",
        "three dots": "a.b.c",
        "nul": "\x00",
        "too long": "e" * 20_000,
        "expired exp claim": signed_claims(pair, exp=int(time.time()) - 3600),
    }


@pytest.mark.parametrize(
    "kind",
    ["expired", "forged signature", "other issuer", "other audience",
     "unknown session", "other user", "wrong type", "garbage", "three dots", "nul",
     "too long", "expired exp claim"],
)  # fmt: skip
def test_a_token_that_is_not_active(oauth_post, pair, kind):
    token = inactive_tokens(pair)[kind]
    assert_inactive(introspect(oauth_post, token))


def test_revoked_by_logout(oauth_post, pair, api_client, committed):
    with committed():
        response = api_client.post(
            "/api/auth/logout/", {"refresh": pair.refresh}, format="json"
        )
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert_inactive(introspect(oauth_post, pair.access))
    assert_inactive(introspect(oauth_post, pair.refresh))


def test_revoked_by_staff(oauth_post, pair, staff_user, committed):
    assert introspect(oauth_post, pair.access).json()["active"] is True
    with committed():
        services.session_revoke(
            session=pair.session, reason=RevocationReason.ADMIN, by=staff_user
        )
    assert_inactive(introspect(oauth_post, pair.access))
    assert_inactive(introspect(oauth_post, pair.refresh))


def test_a_consumed_refresh_token(oauth_post, pair, settings):
    from tokens.tokens import RefreshToken

    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}
    successor = services.refresh_rotate(token=RefreshToken(pair.refresh))
    assert_inactive(introspect(oauth_post, pair.refresh))
    assert introspect(oauth_post, successor.refresh).json()["active"] is True


def test_a_deactivated_user(oauth_post, pair, settings):
    settings.TOKENS = {**settings.TOKENS, "REVOKE_ON_DEACTIVATION": False}
    user = pair.session.user
    user.is_active = False
    user.save()
    assert_inactive(introspect(oauth_post, pair.access))
    assert_inactive(introspect(oauth_post, pair.refresh))


def test_an_expired_session(oauth_post, pair):
    pair.session.expires_at = timezone.now() - timedelta(seconds=1)
    pair.session.save()
    assert_inactive(introspect(oauth_post, pair.access))
    assert_inactive(introspect(oauth_post, pair.refresh))


def test_inactive_answers_are_the_same_bytes_and_headers(oauth_post, pair, committed):
    """No oracle: whatever the reason, the same status, headers and body."""
    answers = []
    for token in inactive_tokens(pair).values():
        response = introspect(oauth_post, token)
        answers.append(
            (response.status_code, response.content, sorted(response.items()))
        )
    with committed():
        services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    for token in (pair.access, pair.refresh):
        response = introspect(oauth_post, token)
        answers.append(
            (response.status_code, response.content, sorted(response.items()))
        )
    assert len(set(map(repr, answers))) == 1, answers[0]


# Requests that are not well formed ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ("", "The parameter token is required."),
        ("token=", "The parameter token is required."),
        ("token=a&token=b", "The parameter token is repeated."),
        ("token=a&token_type_hint=x&token_type_hint=y",
         "The parameter token_type_hint is repeated."),
    ],
)  # fmt: skip
def test_a_missing_or_repeated_parameter(oauth_post, body, description):
    response = oauth_post(INTROSPECT, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": description,
    }


def test_a_json_body_is_invalid_request(resource_server, client, pair):
    server, secret = resource_server
    response = client.post(
        INTROSPECT,
        {"token": pair.access},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(server.client_id, secret),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"


def test_an_oversized_body_is_413_in_the_oauth_shape(oauth_post, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = oauth_post(INTROSPECT, {"token": "a" * 4096})
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Request body is too large.",
    }


def test_too_many_fields_is_invalid_request(oauth_post, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = oauth_post(INTROSPECT, "&".join(f"f{i}=1" for i in range(10)))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"


def test_get_is_405_in_the_oauth_shape(resource_server, client):
    server, secret = resource_server
    response = client.get(
        INTROSPECT, HTTP_AUTHORIZATION=basic(server.client_id, secret)
    )
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["error"] == "invalid_request"


def test_two_authentication_methods_is_invalid_request(resource_server, pair):
    server, secret = resource_server
    response = form_post(
        INTROSPECT,
        {"token": pair.access, "client_id": server.client_id, "client_secret": secret},
        HTTP_AUTHORIZATION=basic(server.client_id, secret),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_request"


# The same state as authentication, at the same cost -----------------------------


def test_a_warm_session_costs_no_query_on_redis(
    tracked_cache, long_lease, oauth_post, pair, django_assert_num_queries
):
    """One query, the resource server's row: the token's session costs none."""
    introspect(oauth_post, pair.access)
    with django_assert_num_queries(1) as captured:
        assert introspect(oauth_post, pair.access).json()["active"] is True
    (query,) = captured.captured_queries
    assert "tokens_resourceserver" in query["sql"]
    assert "tokens_session" not in query["sql"]


def test_a_warm_session_costs_no_query_on_the_default_cache(
    revocation_cache, long_lease, oauth_post, pair, django_assert_num_queries
):
    introspect(oauth_post, pair.access)
    with django_assert_num_queries(1) as captured:
        assert introspect(oauth_post, pair.access).json()["active"] is True
    assert "tokens_resourceserver" in captured.captured_queries[0]["sql"]


def test_a_revocation_is_seen_from_the_warm_cache(
    tracked_cache, long_lease, oauth_post, pair, committed, django_assert_num_queries
):
    assert introspect(oauth_post, pair.access).json()["active"] is True
    with committed():
        services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    with django_assert_num_queries(1):
        assert_inactive(introspect(oauth_post, pair.access))
