"""The session endpoints: logout, logout-all, session list and revocation, verify."""

import uuid
from http import HTTPStatus

import pytest

from tokens import services
from tokens.models import RevocationReason, Session

SESSIONS_URL = "/api/auth/sessions/"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_login_with_wrong_password_is_refused_without_detail(api_client, user):
    response = api_client.post(
        "/api/auth/token/",
        {"email": user.email, "password": "wrong password!"},
        format="json",
    )
    unknown = api_client.post(
        "/api/auth/token/",
        {"email": "nobody@example.com", "password": "wrong password!"},
        format="json",
    )
    assert response.status_code == unknown.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == unknown.json()


def test_login_of_an_inactive_user_is_refused(api_client, make_user):
    inactive = make_user(is_active=False)
    response = api_client.post(
        "/api/auth/token/",
        {"email": inactive.email, "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_login_records_device_and_ip(api_client, user):
    api_client.post(
        "/api/auth/token/",
        {"email": user.email, "password": "correct horse battery staple"},
        format="json",
        HTTP_USER_AGENT=FIREFOX,
        REMOTE_ADDR="203.0.113.7",
    )
    session = Session.objects.get(user=user)
    assert session.ip_address == "203.0.113.7"
    assert "Firefox" in session.user_agent


@pytest.mark.parametrize("credential", ["refresh", "access"])
def test_logout_revokes_the_current_session(
    api_client, user, login, bearer, credential, committed
):
    """Logout takes the refresh token in the body, or the access token in the header."""
    pair = login(user)
    other = login(user)
    with committed():
        if credential == "refresh":
            body = {"refresh": pair["refresh"]}
            response = api_client.post("/api/auth/logout/", body, format="json")
        else:
            response = api_client.post("/api/auth/logout/", **bearer(pair["access"]))
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert api_client.get(SESSIONS_URL, **bearer(pair["access"])).status_code == 401
    assert api_client.get(SESSIONS_URL, **bearer(other["access"])).status_code == 200
    revoked = Session.objects.get(revoked_at__isnull=False)
    assert revoked.revoked_reason == RevocationReason.LOGOUT


def test_logout_without_any_token_is_401(api_client):
    response = api_client.post("/api/auth/logout/", {}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()


def test_logout_all_revokes_every_session_of_the_user(
    api_client, make_user, login, bearer, committed
):
    alice, bob = make_user(), make_user()
    first, second, bobs = login(alice), login(alice), login(bob)
    with committed():
        response = api_client.post("/api/auth/logout-all/", **bearer(first["access"]))
    assert response.json() == {"revoked": 2}
    for pair in (first, second):
        assert api_client.get(SESSIONS_URL, **bearer(pair["access"])).status_code == 401
        refreshed = api_client.post(
            "/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
        )
        assert refreshed.status_code == 401
    assert api_client.get(SESSIONS_URL, **bearer(bobs["access"])).status_code == 200


def test_session_list_shows_own_active_sessions_with_current_flag(
    api_client, make_user, login, bearer
):
    alice = make_user()
    login(alice)
    second = login(alice)
    login(make_user())
    body = api_client.get(SESSIONS_URL, **bearer(second["access"])).json()
    assert len(body) == 2
    assert [s["current"] for s in body].count(True) == 1
    assert set(body[0]) >= {
        "id",
        "device",
        "ip_address",
        "created_at",
        "last_used_at",
        "current",
    }


def test_delete_own_session_revokes_it(api_client, user, login, bearer):
    current = login(user)
    login(user)
    target = Session.objects.order_by("created_at").last()
    response = api_client.delete(
        f"{SESSIONS_URL}{target.pk}/", **bearer(current["access"])
    )
    assert response.status_code == HTTPStatus.NO_CONTENT
    target.refresh_from_db()
    assert target.revoked_reason == RevocationReason.REVOKED_BY_USER
    assert target.revoked_by == user


def test_delete_someone_elses_session_is_404(api_client, make_user, login, bearer):
    alice, bob = make_user(), make_user()
    mine = login(alice)
    login(bob)
    bobs_session = Session.objects.get(user=bob)
    response = api_client.delete(
        f"{SESSIONS_URL}{bobs_session.pk}/", **bearer(mine["access"])
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["detail"]
    bobs_session.refresh_from_db()
    assert bobs_session.revoked_at is None
    unknown = api_client.delete(
        f"{SESSIONS_URL}{uuid.uuid4()}/", **bearer(mine["access"])
    )
    assert unknown.status_code == HTTPStatus.NOT_FOUND


def test_revoke_others_keeps_only_the_current_session(api_client, user, login, bearer):
    current, other, third = login(user), login(user), login(user)
    response = api_client.post(
        f"{SESSIONS_URL}revoke-others/", **bearer(current["access"])
    )
    assert response.json() == {"revoked": 2}
    assert api_client.get(SESSIONS_URL, **bearer(current["access"])).status_code == 200
    assert api_client.get(SESSIONS_URL, **bearer(other["access"])).status_code == 401
    assert api_client.get(SESSIONS_URL, **bearer(third["access"])).status_code == 401


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_verify_accepts_live_tokens_and_rejects_revoked_ones(
    api_client, user, login, kind
):
    pair = login(user)
    url = "/api/auth/token/verify/"
    assert api_client.post(url, {"token": pair[kind]}, format="json").status_code == 200
    services.user_sessions_revoke(user=user, reason=RevocationReason.ADMIN)
    response = api_client.post(url, {"token": pair[kind]}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_verify_rejects_a_consumed_refresh_token(api_client, user, login, settings):
    from datetime import timedelta

    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}
    pair = login(user)
    api_client.post(
        "/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"
    )
    response = api_client.post(
        "/api/auth/token/verify/", {"token": pair["refresh"]}, format="json"
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "policy,expected_left", [("others", 1), ("all", 0), ("none", 2)]
)
def test_password_change_policy(user, login, settings, policy, expected_left):
    settings.TOKENS = {**settings.TOKENS, "REVOKE_ON_PASSWORD_CHANGE": policy}
    login(user)
    login(user)
    current = Session.objects.order_by("created_at").first()
    services.sessions_on_password_change(user=user, current_session_id=current.pk)
    assert Session.objects.unrevoked().count() == expected_left
    if policy == "others":
        assert Session.objects.unrevoked().get() == current


def test_password_reset_revokes_all_sessions(user, login):
    login(user)
    login(user)
    assert services.sessions_on_password_reset(user=user) == 2
    assert set(Session.objects.values_list("revoked_reason", flat=True)) == {
        "password_reset"
    }


def test_deactivating_a_user_revokes_their_sessions(api_client, user, login, bearer):
    pair = login(user)
    user.is_active = False
    user.save()
    assert api_client.get(SESSIONS_URL, **bearer(pair["access"])).status_code == 401
    assert Session.objects.get().revoked_reason == RevocationReason.USER_DEACTIVATED
