"""A password changed by any code revokes sessions by REVOKE_ON_PASSWORD_CHANGE."""

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from tests.conftest import PASSWORD
from tokens import services
from tokens.models import Session

SESSIONS_URL = "/api/auth/sessions/"
REFRESH_URL = "/api/auth/token/refresh/"
NEW_PASSWORD = "an entirely new passphrase 42"


def refused(api_client, bearer, pair) -> bool:
    access = api_client.get(SESSIONS_URL, **bearer(pair["access"]))
    refresh = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    return access.status_code == refresh.status_code == HTTPStatus.UNAUTHORIZED


def test_set_password_and_save_revokes_every_session(
    user, login, api_client, bearer, committed
):
    pairs = [login(user), login(user)]
    with committed():
        user.set_password(NEW_PASSWORD)
        user.save()
    assert all(refused(api_client, bearer, pair) for pair in pairs)
    assert set(Session.objects.values_list("revoked_reason", flat=True)) == {
        "password_changed"
    }


def test_a_reloaded_user_with_a_new_password_revokes(user, login):
    """The instance that saves need not be the one sessions were made with."""
    login(user)
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.set_password(NEW_PASSWORD)
    fresh.save(update_fields=["password"])
    assert Session.objects.unrevoked().count() == 0


def test_a_hash_assigned_directly_revokes(user, login):
    login(user)
    user.password = make_password(NEW_PASSWORD)
    user.save()
    assert Session.objects.unrevoked().count() == 0


def test_set_unusable_password_revokes(user, login):
    login(user)
    user.set_unusable_password()
    user.save()
    assert Session.objects.unrevoked().count() == 0


def test_saving_other_fields_revokes_nothing(user, login):
    login(user)
    user.display_name = "Ada"
    user.save()
    user.save(update_fields=["display_name"])
    assert Session.objects.unrevoked().count() == 1


def test_a_password_saved_twice_revokes_once(user, login):
    user.set_password(NEW_PASSWORD)
    user.save()
    login(user, password=NEW_PASSWORD)
    user.save()
    assert Session.objects.unrevoked().count() == 1


def test_policy_none_keeps_every_session(user, login, settings):
    settings.TOKENS = {**settings.TOKENS, "REVOKE_ON_PASSWORD_CHANGE": "none"}
    login(user)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert Session.objects.unrevoked().count() == 1


def test_our_api_keeps_the_current_session_once(user, login, api_client, bearer):
    """The password API's own change keeps its session ("others"), revoking once."""
    other, current = login(user), login(user)
    response = api_client.post(
        "/api/accounts/me/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
        **bearer(current["access"]),
    )
    assert response.status_code == HTTPStatus.NO_CONTENT, response.content
    assert api_client.get(SESSIONS_URL, **bearer(current["access"])).status_code == 200
    assert refused(api_client, bearer, other)
    assert Session.objects.revoked().count() == 1


def test_password_change_origin_applies_to_its_user_only(user, make_user, login):
    someone = make_user()
    login(someone)
    with services.password_change_origin(user=user, reset=True):
        someone.set_password(NEW_PASSWORD)
        someone.save()
    assert Session.objects.get(user=someone).revoked_reason == "password_changed"


@pytest.fixture
def argon2(settings):
    settings.PASSWORD_HASHERS = [
        "accounts.hashers.Argon2idOWASPHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.mark.parametrize(
    "old_hasher",
    [
        "django.contrib.auth.hashers.Argon2PasswordHasher",  # other parameters
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # other algorithm
    ],
)
def test_a_hash_upgraded_on_sign_in_revokes_nothing(argon2, user, login, old_hasher):
    """Django rehashing the same password on sign-in is not a password change."""
    from django.utils.module_loading import import_string

    hasher = import_string(old_hasher)()
    get_user_model().objects.filter(pk=user.pk).update(
        password=hasher.encode(PASSWORD, hasher.salt())
    )
    services.session_create(user=user)
    login(user)
    upgraded = get_user_model().objects.get(pk=user.pk).password
    assert upgraded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert Session.objects.unrevoked().count() == 2
