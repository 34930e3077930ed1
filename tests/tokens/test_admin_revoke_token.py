"""The "Revoke a token" admin page: paste a token, see its session, revoke it."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from http import HTTPStatus

import jwt
import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.admin_site import (
    REVOKE_PERMISSION,
    VIEW_PERMISSIONS,
    api_status,
    assert_api_refuses,
    grant,
)
from tokens import services
from tokens.models import RevocationReason, Session
from tokens.tokens import AccessToken, RefreshToken

URL = "/admin/tokens/session/revoke-token/"
NOT_OURS = "This is not a token of this site"


@pytest.fixture
def revoker(make_user):
    return grant(make_user(is_staff=True), *VIEW_PERMISSIONS, REVOKE_PERMISSION)


@pytest.fixture
def client(revoker) -> Client:
    client = Client()
    client.force_login(revoker)
    return client


@pytest.fixture
def pair(user):
    return services.session_create(user=user, user_agent="curl/8.5.0")


def paste(client, token: str):
    return client.post(URL, {"token": token})


def other_site_token(pair, *, kid: str) -> str:
    """The same claims as a real access token, signed with another site's key."""
    claims = AccessToken(pair.access).payload
    return jwt.encode(
        claims, "another-site-secret-0123456789-abcdefgh", "HS256", {"kid": kid}
    )


def test_page_shows_an_empty_form(client):
    response = client.get(URL)
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/tokens/revoke_token.html"
    assert 'name="token"' in response.content.decode()


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_a_valid_token_shows_its_session(client, pair, kind):
    """The page names the user, the session and its state, and offers to revoke."""
    token = pair.access if kind == "access" else pair.refresh
    response = paste(client, f"Bearer {token}\n")
    content = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert response.context["inspection"].session == pair.session
    assert pair.session.user.email in content
    assert str(pair.session.pk) in content
    assert f"{kind} token" in content
    assert 'id="session-status">active' in content
    revoke_url = reverse("admin:tokens_session_revoke", args=[pair.session.pk])
    assert f'action="{revoke_url}"' in content
    if kind == "refresh":
        assert "refresh record: active" in content


def test_an_expired_token_is_still_identified(client, pair):
    """Signature checked, expiry not: an old token still names its session."""
    now = timezone.now()
    expired = AccessToken.build(
        session=pair.session,
        jti=uuid.uuid4(),
        issued_at=now - timedelta(hours=2),
        expires_at=now - timedelta(hours=1),
    )
    response = paste(client, str(expired))
    assert response.context["inspection"].is_expired is True
    assert response.context["inspection"].session == pair.session
    assert "expired" in response.content.decode()


def test_a_revoked_session_is_shown_without_a_revoke_form(client, pair, revoker):
    services.session_revoke(
        session=pair.session, reason=RevocationReason.ADMIN, by=revoker
    )
    content = paste(client, pair.access).content.decode()
    assert "revoked by staff" in content
    assert revoker.email in content
    assert 'id="revoke-form"' not in content


def forged(pair) -> str:
    header, payload, signature = pair.access.split(".")
    return f"{header}.{payload}.{signature[:-4]}AAAA"


def tampered(pair) -> str:
    other = services.session_create(user=pair.session.user)
    header, _, signature = pair.access.split(".")
    return f"{header}.{other.access.split('.')[1]}.{signature}"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(forged, id="forged-signature"),
        pytest.param(tampered, id="tampered-payload"),
        pytest.param(lambda p: other_site_token(p, kid="primary"), id="other-site-key"),
        pytest.param(lambda p: other_site_token(p, kid="theirs"), id="other-site-kid"),
        pytest.param(lambda p: "garbage", id="malformed"),
        pytest.param(lambda p: "a.b.c", id="three-garbage-segments"),
        pytest.param(lambda p: "ééé.ééé.ééé", id="non-ascii"),
        pytest.param(lambda p: "eyJhbGciOiJub25lIn0.e30.", id="alg-none"),
        pytest.param(lambda p: "x" * 8000, id="long"),
    ],
)
def test_a_token_that_is_not_ours_gets_a_form_error(client, pair, make_token):
    """Garbage, forged and foreign tokens: a form error, never a 500."""
    token = make_token(pair)
    response = paste(client, token)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert NOT_OURS in content
    assert response.context["inspection"] is None
    assert token not in content


@pytest.mark.parametrize("token", ["", "   ", "y" * 9000])
def test_empty_or_oversized_input_gets_a_form_error(client, token):
    response = paste(client, token)
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["token"]


def test_a_token_whose_session_is_gone(client, pair):
    """A genuine token of a deleted session is explained, not a 500."""
    Session.objects.filter(pk=pair.session.pk).delete()
    content = paste(client, pair.refresh).content.decode()
    assert "its session no longer exists" in content


def test_the_pasted_token_is_never_rendered_back(client, pair):
    """Neither after success nor after an error does the page echo the token."""
    assert pair.access not in paste(client, pair.access).content.decode()
    assert forged(pair) not in paste(client, forged(pair)).content.decode()


def test_the_pasted_token_is_never_logged_or_stored(client, pair, caplog):
    caplog.set_level(logging.DEBUG)
    paste(client, pair.refresh)
    paste(client, forged(pair))
    assert pair.refresh not in caplog.text
    assert pair.refresh.split(".")[2] not in caplog.text
    assert not LogEntry.objects.exists()


def test_the_view_marks_the_token_as_sensitive(client, pair):
    """Error reports of this view would show the token as starred out."""
    response = paste(client, pair.access)
    assert response.wsgi_request.sensitive_post_parameters == ("token",)


def test_revoking_from_the_page(
    client, pair, revoker, api_client, django_capture_on_commit_callbacks
):
    """The page's revoke form revokes the session with the reason, then 401s."""
    assert api_status(api_client, pair) == HTTPStatus.OK
    revoke_url = reverse("admin:tokens_session_revoke", args=[pair.session.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            revoke_url, {"post": "yes", "note": "token leaked in logs"}
        )
    assert response.status_code == HTTPStatus.FOUND
    pair.session.refresh_from_db()
    assert pair.session.revoked_reason == RevocationReason.ADMIN
    assert pair.session.revoked_by == revoker
    assert "token leaked in logs" in LogEntry.objects.get().get_change_message()
    assert_api_refuses(api_client, pair)


def test_a_used_refresh_token_shows_its_record_as_used(client, pair, api_client):
    api_client.post(
        "/api/auth/token/refresh/", {"refresh": pair.refresh}, format="json"
    )
    content = paste(client, pair.refresh).content.decode()
    assert "refresh record: used" in content


def test_a_refresh_token_is_found_after_its_record_is_flushed(client, pair):
    """A flushed record leaves the session identifiable by the token's sid."""
    pair.session.refresh_tokens.all().delete()
    response = paste(client, pair.refresh)
    assert response.context["inspection"].record is None
    assert response.context["inspection"].session == pair.session


def test_token_inspect_service(pair):
    """token_inspect names the token's type, session and record."""
    found = services.token_inspect(raw=pair.refresh)
    assert found.token_type == "refresh"
    assert found.session == pair.session
    assert found.record.jti == RefreshToken(pair.refresh).jti
    assert found.is_expired is False


def test_pasted_token_limit_follows_max_token_bytes(settings, client):
    """The paste form refuses a token over MAX_TOKEN_BYTES, read when it renders."""
    settings.TOKENS = {**getattr(settings, "TOKENS", {}), "MAX_TOKEN_BYTES": 100}
    response = paste(client, "a" * 101)
    assert "at most 100 characters" in response.content.decode()
    assert 'maxlength="100"' in client.get(URL).content.decode()
