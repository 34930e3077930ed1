from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    get_hasher,
    identify_hasher,
    make_password,
)

from accounts.hashers import Argon2idOWASPHasher
from config import settings as project_settings
from tests.conftest import PASSWORD


@pytest.fixture
def real_hashers(settings):
    """The project's hashers (the suite uses a fast one)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_argon2id_at_owasp_parameters_hashes_new_passwords(real_hashers, make_user):
    user = make_user()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(get_hasher("default"), Argon2idOWASPHasher)
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize("algorithm", ["pbkdf2_sha256", "pbkdf2_sha1", "scrypt"])
def test_an_old_hash_is_upgraded_when_its_owner_signs_in(
    real_hashers, make_user, api_client, algorithm
):
    """A user with a PBKDF2 (or scrypt) hash signs in and then has an Argon2id hash."""
    user = make_user()
    user.password = make_password(PASSWORD, hasher=algorithm)
    user.save(update_fields=["password"])

    response = api_client.post(
        "/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert get_hasher("default").verify(PASSWORD, user.password)


def test_argon2_with_other_parameters_is_brought_to_owasp_parameters(
    real_hashers, make_user, api_client
):
    """Django's own Argon2 parameters (m=100 MiB, p=8) are replaced too."""
    user = make_user()
    django_argon2 = Argon2PasswordHasher()
    user.password = django_argon2.encode(PASSWORD, django_argon2.salt())
    user.save(update_fields=["password"])
    assert "m=102400" in user.password

    api_client.post(
        "/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )

    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password


def test_a_wrong_password_upgrades_nothing(real_hashers, make_user, api_client):
    user = make_user()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    api_client.post(
        "/api/auth/token/",
        {"email": user.email, "password": "nope nope"},
        format="json",
    )
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
