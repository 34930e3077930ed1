"""dj-rest-auth's own views on tokens.contrib.dj_rest_auth, without cookies."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse

from tests.contrib_sites.conftest import NEW_PASSWORD, PASSWORD
from tokens.models import Session


def login(client, password=PASSWORD):
    response = client.post(
        reverse("rest_login"),
        {"username": "alice", "password": password},
        format="json",
        HTTP_USER_AGENT="Firefox/130.0",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_system_checks_pass(db):
    call_command("check", fail_level="WARNING")


def test_login_returns_dj_rest_auths_shape_and_a_session(client, alice):
    body = login(client)
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["username"] == "alice"
    assert Session.objects.get(user=alice).user_agent == "Firefox/130.0"


def test_login_protected_password_change_logout_401(client, alice, bearer):
    other = login(client)
    body = login(client)
    auth = bearer(body["access"])
    assert client.get(reverse("rest_user_details"), **auth).status_code == 200
    changed = client.post(
        reverse("rest_password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        format="json",
        **auth,
    )
    assert changed.status_code == 200, changed.content
    # REVOKE_ON_PASSWORD_CHANGE = "others": the session that changed it stays.
    assert client.get(reverse("rest_user_details"), **auth).status_code == 200
    refused = client.get(reverse("rest_user_details"), **bearer(other["access"]))
    assert refused.status_code == 401
    logout = client.post(reverse("rest_logout"), {"refresh": body["refresh"]}, **auth)
    assert logout.status_code == 200, logout.content
    assert logout.json() == {"detail": "Successfully logged out."}
    assert client.get(reverse("rest_user_details"), **auth).status_code == 401
    assert set(Session.objects.values_list("revoked_reason", flat=True)) == {
        "password_changed",
        "logout",
    }


def change_password(client, auth, **body):
    body = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, **body}
    return client.post(reverse("rest_password_change"), body, format="json", **auth)


def test_a_password_change_needs_the_old_password(client, alice, bearer):
    """OLD_PASSWORD_FIELD_ENABLED is off: an access token alone is not enough."""
    auth = bearer(login(client)["access"])
    missing = change_password(client, auth)
    assert missing.status_code == 400
    assert missing.json() == {"old_password": ["This field is required."]}
    wrong = change_password(client, auth, old_password="not it")
    assert wrong.status_code == 400
    assert list(wrong.json()) == ["old_password"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert Session.objects.get().revoked_at is None


def test_a_site_serializer_subclass_needs_the_old_password_too(
    client, alice, bearer, monkeypatch
):
    from dj_rest_auth.app_settings import api_settings
    from dj_rest_auth.serializers import PasswordChangeSerializer

    class SitePasswordChange(PasswordChangeSerializer):
        pass

    monkeypatch.setattr(api_settings, "PASSWORD_CHANGE_SERIALIZER", SitePasswordChange)
    auth = bearer(login(client)["access"])
    assert change_password(client, auth).status_code == 400
    assert change_password(client, auth, old_password=PASSWORD).status_code == 200


def test_a_serializer_that_cannot_be_made_to_ask_is_a_check_error(monkeypatch):
    from dj_rest_auth.app_settings import api_settings
    from rest_framework import serializers

    from tokens.checks import check_dj_rest_auth

    assert check_dj_rest_auth() == []

    class Unrelated(serializers.Serializer):
        new_password1 = serializers.CharField()

    monkeypatch.setattr(api_settings, "PASSWORD_CHANGE_SERIALIZER", Unrelated)
    (error,) = check_dj_rest_auth()
    assert error.id == "tokens.E051"
    assert "Unrelated" in error.msg


def test_a_simplejwt_claims_serializer_is_a_check_error(monkeypatch):
    """dj-rest-auth's default (SimpleJWT's) would mint tokens of no session."""
    from dj_rest_auth.app_settings import api_settings
    from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

    from tokens.checks import check_dj_rest_auth

    monkeypatch.setattr(
        api_settings, "JWT_TOKEN_CLAIMS_SERIALIZER", TokenObtainPairSerializer
    )
    (error,) = check_dj_rest_auth()
    assert error.id == "tokens.E052"


def test_logout_with_the_access_token_only(client, alice, bearer):
    body = login(client)
    auth = bearer(body["access"])
    assert client.post(reverse("rest_logout"), **auth).status_code == 200
    assert client.get(reverse("rest_user_details"), **auth).status_code == 401


def test_logout_without_any_token_is_401(client, db):
    assert client.post(reverse("rest_logout")).status_code == 401


def test_refresh_rotates_and_the_old_token_is_spent(client, alice, settings):
    settings.TOKENS = {"ROTATION_GRACE_PERIOD": timedelta(0)}
    body = login(client)
    rotated = client.post(
        reverse("token_refresh"), {"refresh": body["refresh"]}, format="json"
    )
    assert rotated.status_code == 200, rotated.content
    assert {"access", "refresh", "access_expiration"} <= set(rotated.json())
    again = client.post(
        reverse("token_refresh"), {"refresh": body["refresh"]}, format="json"
    )
    assert again.status_code == 401
    assert again.json()["code"] == "token_reused"


def test_missing_refresh_is_a_field_error(client, db):
    response = client.post(reverse("token_refresh"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}


def test_verify_refuses_a_revoked_sessions_token(client, alice, bearer):
    body = login(client)
    ok = client.post(reverse("token_verify"), {"token": body["access"]}, format="json")
    assert ok.status_code == 200
    client.post(reverse("rest_logout"), {"refresh": body["refresh"]})
    gone = client.post(
        reverse("token_verify"), {"token": body["access"]}, format="json"
    )
    assert gone.status_code == 401


def test_set_password_in_a_shell_revokes_every_session(client, alice, bearer):
    body = login(client)
    alice.set_password(NEW_PASSWORD)
    alice.save()
    auth = bearer(body["access"])
    assert client.get(reverse("rest_user_details"), **auth).status_code == 401


def test_their_own_jwt_urls_are_warned_about(settings):
    """Mounted as the packages ship them, their views mint refused tokens."""
    from tokens.checks import check_simplejwt_views

    settings.ROOT_URLCONF = "tests.contrib_sites.simplejwt_urls"
    (message,) = check_simplejwt_views()
    assert message.id == "tokens.W050"
    for view in (
        "dj_rest_auth.jwt_auth.get_refresh_view.<locals>.RefreshViewWithCookieSupport",
        "rest_framework_simplejwt.views.TokenVerifyView",
        "rest_framework_simplejwt.views.TokenObtainPairView",
    ):
        assert view in message.msg
