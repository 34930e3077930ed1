"""Refresh rotation: exactly once, idempotent inside the grace period, reuse kills."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from tokens.models import RefreshTokenRecord, RevocationReason, Session
from tokens.signals import reuse_detected, session_revoked, token_rotated

REFRESH_URL = "/api/auth/token/refresh/"


@pytest.fixture
def refresh(api_client):
    def post(token):
        return api_client.post(REFRESH_URL, {"refresh": token}, format="json")

    return post


@pytest.fixture
def no_grace(settings):
    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}


def test_login_creates_a_session_with_one_record(user, login):
    """POST /api/auth/token/ creates a session and its first refresh record."""
    login(user)
    session = Session.objects.get(user=user)
    assert session.refresh_tokens.count() == 1
    assert session.revoked_at is None


def test_refresh_returns_a_new_pair_and_consumes_the_old_token(user, login, refresh):
    pair = login(user)
    response = refresh(pair["refresh"])
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["refresh"] != pair["refresh"] and body["access"]
    old, new = RefreshTokenRecord.objects.order_by("issued_at", "used_at")
    assert old.used_at is not None and old.successor_jti == new.jti
    assert new.used_at is None


def test_retry_inside_grace_period_returns_the_same_successor(user, login, refresh):
    """A lost response is retried safely: the same successor, not a new branch."""
    pair = login(user)
    first = refresh(pair["refresh"]).json()
    second = refresh(pair["refresh"])
    assert second.status_code == HTTPStatus.OK
    assert second.json()["refresh"] == first["refresh"]
    assert RefreshTokenRecord.objects.count() == 2


def test_replay_after_grace_period_revokes_the_whole_session(
    user, login, refresh, api_client, bearer, no_grace
):
    """A replayed refresh token revokes its whole session: successor and access die."""
    pair = login(user)
    successor = refresh(pair["refresh"]).json()
    received = []
    reuse_detected.connect(lambda **kw: received.append(kw), weak=False)
    try:
        replay = refresh(pair["refresh"])
    finally:
        reuse_detected.receivers.clear()
    assert replay.status_code == HTTPStatus.UNAUTHORIZED
    assert replay.json()["code"] == "token_reused"
    session = Session.objects.get(user=user)
    assert session.revoked_reason == RevocationReason.REUSE_DETECTED
    assert received and received[0]["session"].pk == session.pk
    assert refresh(successor["refresh"]).status_code == HTTPStatus.UNAUTHORIZED
    me = api_client.get("/api/auth/sessions/", **bearer(successor["access"]))
    assert me.status_code == HTTPStatus.UNAUTHORIZED


def test_replay_of_a_token_whose_successor_was_used_is_reuse(user, login, refresh):
    """Inside the grace period too, once the successor moved on the old one is dead."""
    pair = login(user)
    second = refresh(pair["refresh"]).json()
    refresh(second["refresh"])
    assert refresh(pair["refresh"]).status_code == HTTPStatus.UNAUTHORIZED
    assert Session.objects.get(user=user).revoked_reason == "reuse_detected"


def test_reuse_is_logged_without_the_token(user, login, refresh, no_grace, caplog):
    pair = login(user)
    refresh(pair["refresh"])
    with caplog.at_level("WARNING", logger="tokens.security"):
        refresh(pair["refresh"])
    events = [r for r in caplog.records if getattr(r, "event", "") == "reuse_detected"]
    assert len(events) == 1
    assert all(
        pair["refresh"] not in r.getMessage() + str(r.__dict__) for r in caplog.records
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"revoked_at": timezone.now()}, id="revoked"),
        pytest.param(
            {"expires_at": timezone.now() - timedelta(seconds=1)}, id="absolute"
        ),
        pytest.param({"last_used_at": timezone.now() - timedelta(days=8)}, id="idle"),
    ],
)
def test_refresh_is_refused_for_an_ended_session(user, login, refresh, change):
    pair = login(user)
    Session.objects.filter(user=user).update(**change)
    response = refresh(pair["refresh"])
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()


def test_refresh_is_refused_once_its_record_expired(user, login, refresh, api_client):
    """The record's own expiry counts, not only the token's exp and the session."""
    pair = login(user)
    RefreshTokenRecord.objects.filter(session__user=user).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = refresh(pair["refresh"])
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "detail" in response.json()
    verify = api_client.post(
        "/api/auth/token/verify/", {"token": pair["refresh"]}, format="json"
    )
    assert verify.status_code == HTTPStatus.UNAUTHORIZED
    assert RefreshTokenRecord.objects.filter(session__user=user).count() == 1
    assert Session.objects.get(user=user).revoked_at is None


def test_refresh_is_refused_for_an_inactive_user(user, login, refresh, settings):
    settings.TOKENS = {**settings.TOKENS, "REVOKE_ON_DEACTIVATION": False}
    pair = login(user)
    user.is_active = False
    user.save()
    assert refresh(pair["refresh"]).status_code == HTTPStatus.UNAUTHORIZED


def test_refresh_is_refused_for_a_deleted_user(user, login, refresh):
    """Stock SimpleJWT answered a deleted user's refresh with a 500."""
    pair = login(user)
    user.delete()
    response = refresh(pair["refresh"])
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_an_access_token_is_not_a_refresh_token(user, login, refresh):
    pair = login(user)
    assert refresh(pair["access"]).status_code == HTTPStatus.UNAUTHORIZED


def verify_only_rsa_key(kid: str) -> dict[str, str]:
    """A key ring entry with a public key only: it verifies but cannot sign."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    public = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = public.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {"kid": kid, "algorithm": "RS256", "public_key": pem.decode()}


def test_a_crash_between_consuming_and_minting_leaves_the_chain_usable(
    user, login, refresh, settings
):
    """The consume and the successor are one transaction: a crash rolls both back."""
    from rest_framework_simplejwt.exceptions import TokenBackendError

    from tokens import services
    from tokens.tokens import RefreshToken

    pair = login(user)
    working = settings.TOKENS
    # The token still verifies with its own key, but the successor cannot be
    # signed: the exchange fails after the consume, while minting.
    settings.TOKENS = {
        **working,
        "SIGNING_KEYS": [*working["SIGNING_KEYS"], verify_only_rsa_key("cannot-sign")],
        "ACTIVE_KID": "cannot-sign",
    }
    with pytest.raises(TokenBackendError, match="No signing key"):
        services.refresh_rotate(token=RefreshToken(pair["refresh"]))
    settings.TOKENS = working
    record = RefreshTokenRecord.objects.get()
    assert record.used_at is None and record.successor_jti is None

    response = refresh(pair["refresh"])
    assert response.status_code == HTTPStatus.OK
    assert RefreshTokenRecord.objects.filter(used_at__isnull=True).count() == 1
    assert refresh(response.json()["refresh"]).status_code == HTTPStatus.OK


def test_token_rotated_signal_names_old_and_new(
    user, login, refresh, django_capture_on_commit_callbacks
):
    pair = login(user)
    received = []
    token_rotated.connect(lambda **kw: received.append(kw), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refresh(pair["refresh"])
    finally:
        token_rotated.receivers.clear()
    (event,) = received
    assert event["old_jti"] != event["new_jti"]


def test_session_revoked_signal_is_sent_after_commit(
    user, login, api_client, django_capture_on_commit_callbacks
):
    pair = login(user)
    received = []
    session_revoked.connect(lambda **kw: received.append(kw), weak=False)
    try:
        with django_capture_on_commit_callbacks() as callbacks:
            api_client.post(
                "/api/auth/logout/", {"refresh": pair["refresh"]}, format="json"
            )
        assert received == []  # nothing is announced before the commit
        for callback in callbacks:
            callback()
    finally:
        session_revoked.receivers.clear()
    assert [event["reason"] for event in received] == ["logout"]


def test_a_rotation_costs_one_statement_on_postgresql(
    user, login, is_postgres, django_assert_num_queries
):
    """
    PostgreSQL: lock, consume, insert the successor and touch the session in
    one statement (here inside the test's savepoint). Elsewhere the locked
    path: the session, the record, the insert and two updates.
    """
    from tokens import services
    from tokens.tokens import RefreshToken

    token = RefreshToken(login(user)["refresh"])
    statements = 1 if is_postgres else 5
    with django_assert_num_queries(statements + 2) as captured:  # + savepoint
        pair = services.refresh_rotate(token=token)
    work = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(work) == statements
    successor = RefreshTokenRecord.objects.get(used_at__isnull=True)
    assert RefreshToken(pair.refresh).jti == successor.jti
    assert RefreshTokenRecord.objects.get(jti=token.jti).successor_jti == successor.jti


def test_a_rotation_touches_the_session(user, login, refresh):
    pair = login(user)
    before = Session.objects.get().last_used_at
    assert refresh(pair["refresh"]).status_code == HTTPStatus.OK
    assert Session.objects.get().last_used_at > before
