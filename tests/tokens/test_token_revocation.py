"""
RFC 7009 revocation at POST /api/auth/revoke/: a resource server ends the
session of a token it names, as logout does; the answer is the same empty
200 whatever the token.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from http import HTTPStatus

import pytest
import yaml
from django.utils import timezone

from tests.admin_site import assert_api_refuses
from tests.tokens.craft import claims_of, hs_header, sign_hs256
from tests.tokens.oauth import INTROSPECT, REVOKE, basic, form_post
from tokens import services
from tokens.models import ResourceServer, RevocationReason, Session
from tokens.signed import SignedAccessToken

pytestmark = pytest.mark.usefixtures("oauth_on")


@pytest.fixture
def pair(user):
    return services.session_create(user=user)


def revoke(oauth_post, token, committed, **fields):
    with committed():
        response = oauth_post(REVOKE, {"token": token, **fields})
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.content == b""
    assert response["Cache-Control"] == "no-store"
    return response


def test_off_by_default_it_is_a_404(settings, pair):
    settings.TOKENS = {**settings.TOKENS, "INTROSPECTION_ENABLED": False}
    assert form_post(REVOKE, {"token": pair.access}).status_code == 404


def test_on_it_is_in_the_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/auth/revoke/"]["post"]
    assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]
    assert {"200", "400", "401", "413", "429"} <= set(operation["responses"])


@pytest.mark.parametrize("which", ["access", "refresh"])
def test_revoking_a_token_ends_its_session(
    oauth_post, pair, committed, api_client, resource_server, which
):
    server, _ = resource_server
    revoke(oauth_post, getattr(pair, which), committed)
    session = Session.objects.get(pk=pair.session.pk)
    assert session.revoked_at is not None
    assert session.revoked_reason == RevocationReason.RESOURCE_SERVER
    assert session.revoked_note == f"orders ({server.client_id})"
    assert_api_refuses(api_client, pair)


def test_then_introspection_says_inactive_and_the_api_refuses(
    tracked_cache, oauth_post, pair, committed, api_client, bearer
):
    """Through the cache every process reads: refused on the next request."""
    sessions = "/api/auth/sessions/"
    assert api_client.get(sessions, **bearer(pair.access)).status_code == 200
    assert oauth_post(INTROSPECT, {"token": pair.access}).json()["active"] is True
    revoke(oauth_post, pair.refresh, committed)
    for token in (pair.access, pair.refresh):
        body = oauth_post(INTROSPECT, {"token": token}).content
        assert body == b'{"active":false}'
    response = api_client.get(sessions, **bearer(pair.access))
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_an_expired_token_still_names_its_session(oauth_post, pair, committed):
    now = timezone.now()
    expired = SignedAccessToken.build(
        session=pair.session,
        jti=uuid.uuid4(),
        issued_at=now - timedelta(hours=1),
        expires_at=now - timedelta(minutes=30),
    )
    revoke(oauth_post, str(expired), committed)
    assert Session.objects.get(pk=pair.session.pk).revoked_at is not None


@pytest.mark.parametrize(
    "kind", ["garbage", "forged", "unknown session", "other user", "other issuer"]
)
def test_a_token_that_names_no_session_of_ours_is_the_same_200(
    oauth_post, pair, committed, kind
):
    claims = claims_of(pair.access)
    token = {
        "garbage": "not a token",
        "forged": sign_hs256(hs_header(), claims, secret=b"k" * 32),
        "unknown session": sign_hs256(
            hs_header(), {**claims, "sid": str(uuid.uuid4())}
        ),
        "other user": sign_hs256(hs_header(), {**claims, "sub": "999999"}),
        "other issuer": sign_hs256(hs_header(), {**claims, "iss": "elsewhere"}),
    }[kind]
    revoke(oauth_post, token, committed)
    assert Session.objects.get(pk=pair.session.pk).revoked_at is None


def test_revoking_twice_is_the_same_200(oauth_post, pair, committed):
    revoke(oauth_post, pair.access, committed)
    first = Session.objects.get(pk=pair.session.pk).revoked_at
    revoke(oauth_post, pair.access, committed)
    assert Session.objects.get(pk=pair.session.pk).revoked_at == first


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "unknown"])
def test_any_hint_is_ignored(oauth_post, pair, committed, hint):
    """RFC 7009 §2.1: a wrong hint must not stop the search; ours needs none."""
    revoke(oauth_post, pair.refresh, committed, token_type_hint=hint)
    assert Session.objects.get(pk=pair.session.pk).revoked_at is not None


def test_a_revocation_is_a_security_event_naming_the_server(
    oauth_post, pair, committed, resource_server, caplog
):
    server, secret = resource_server
    with caplog.at_level(logging.INFO, "tokens.security"):
        revoke(oauth_post, pair.access, committed)
    events = {r.event: r for r in caplog.records}
    assert events["resource_server_revoked"].client_id == server.client_id
    assert events["resource_server_revoked"].sid == str(pair.session.pk)
    assert events["session_revoked"].reason == "resource_server"
    assert all(secret not in str(vars(r)) for r in caplog.records)


def test_only_an_authenticated_resource_server_may_revoke(
    resource_server, pair, committed
):
    server, secret = resource_server
    ResourceServer.objects.filter(pk=server.pk).update(is_active=False)
    for extra in ({}, {"HTTP_AUTHORIZATION": basic(server.client_id, secret)}):
        with committed():
            response = form_post(REVOKE, {"token": pair.access}, **extra)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["error"] == "invalid_client"
        assert response["WWW-Authenticate"] == 'Basic realm="api"'
    assert Session.objects.get(pk=pair.session.pk).revoked_at is None


def test_a_missing_token_is_invalid_request(oauth_post):
    response = oauth_post(REVOKE, {"token_type_hint": "access_token"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The parameter token is required.",
    }
