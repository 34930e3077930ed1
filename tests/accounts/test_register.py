from http import HTTPStatus
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from accounts import services
from accounts.models import USER_ID_MAX, USER_ID_MIN, User
from tests.accounts.conftest import STRONG_PASSWORD

URL = "/api/accounts/register/"


def register(client, **data):
    data.setdefault("password", STRONG_PASSWORD)
    return client.post(URL, data, format="json")


@pytest.mark.django_db
def test_register_creates_an_account_that_can_sign_in(api_client, login):
    """201 with ``{id, email}``; the account exists, with its profile, and signs in."""
    response = register(api_client, email="New@Example.com", display_name="New One")
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert set(body) == {"id", "email"}
    assert body["email"] == "new@example.com"
    user = User.objects.get(pk=body["id"])
    assert (user.email, user.display_name, user.is_active) == (
        "new@example.com",
        "New One",
        True,
    )
    assert user.profile.visibility == "private"
    login(user, password=STRONG_PASSWORD)


@pytest.mark.django_db
def test_register_sends_a_welcome_mail_without_verification(api_client, settings):
    """With ACCOUNTS_EMAIL_VERIFICATION = "none" the new account is welcomed."""
    settings.ACCOUNTS_EMAIL_VERIFICATION = "none"
    register(api_client, email="new@example.com")
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert "created" in mail.outbox[0].subject


@pytest.mark.django_db
def test_register_sends_a_verification_link_by_default(api_client):
    """The default ("optional") welcomes the account with a verification link."""
    register(api_client, email="new@example.com")
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert "Confirm your email address" in mail.outbox[0].subject
    assert "/verify/" in mail.outbox[0].body


@pytest.mark.django_db
def test_display_name_is_optional(api_client):
    response = register(api_client, email="new@example.com")
    assert response.status_code == HTTPStatus.CREATED
    assert User.objects.get(email="new@example.com").display_name == ""


def test_a_registered_email_gets_the_same_answer_and_creates_nothing(api_client, user):
    """
    Registering a taken address answers 201 in the same shape, with an id that
    is not the owner's and names no account; no account is created or changed.
    """
    before = (User.objects.count(), user.password)
    response = register(api_client, email=user.email.upper())
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert set(body) == {"id", "email"}
    assert body["email"] == user.email
    assert body["id"] != user.pk
    assert USER_ID_MIN <= body["id"] <= USER_ID_MAX
    assert not User.objects.filter(pk=body["id"]).exists()
    user.refresh_from_db()
    assert (User.objects.count(), user.password) == before


def test_the_owner_of_a_registered_email_gets_a_notice(api_client, user):
    """Instead of a welcome, the owner is told someone tried to register."""
    register(api_client, email=user.email)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "tried to create a new account" in mail.outbox[0].body


def test_the_notice_is_sent_at_most_once_an_hour(api_client, user):
    """Repeated attempts cannot flood the owner's mailbox; answers do not change."""
    first = register(api_client, email=user.email)
    second = register(api_client, email=user.email)
    assert first.status_code == second.status_code == HTTPStatus.CREATED
    assert first.json()["id"] != second.json()["id"]
    assert len(mail.outbox) == 1


def test_duplicate_ids_look_like_fresh_ids(api_client, user):
    """Fresh and duplicate answers draw their ids from the same random range."""
    fresh = register(api_client, email="fresh@example.com").json()["id"]
    duplicate = register(api_client, email=user.email).json()["id"]
    for value in (fresh, duplicate):
        assert USER_ID_MIN <= value <= USER_ID_MAX
        assert len(str(value)) == len(str(user.pk))


def test_an_inactive_account_keeps_its_address(api_client, make_user):
    """A deactivated account's address cannot be registered again."""
    old = make_user("gone@example.com", is_active=False)
    response = register(api_client, email="gone@example.com")
    assert response.status_code == HTTPStatus.CREATED
    assert User.objects.filter(email="gone@example.com").get() == old


def test_a_weak_password_is_refused_whether_or_not_the_email_is_taken(api_client, user):
    """Validation runs before the existence check: the same 400 either way."""
    taken = register(api_client, email=user.email, password="short")
    free = register(api_client, email="free@example.com", password="short")
    assert taken.status_code == free.status_code == HTTPStatus.BAD_REQUEST
    assert taken.json() == free.json()
    assert mail.outbox == []


def test_a_concurrent_registration_of_the_same_email_gets_the_duplicate_answer(
    db, django_capture_on_commit_callbacks
):
    """The insert that loses a race is answered like any duplicate, not a 500."""
    racing = {"pending": True}

    def other_registration_commits(execute, sql, params, many, context):
        # Another request registers the address just after this one checked
        # that it was free, and before this one inserts.
        result = execute(sql, params, many, context)
        if racing["pending"] and sql.lstrip().upper().startswith("SELECT"):
            racing["pending"] = False
            User.objects.create_user("race@example.com", STRONG_PASSWORD)
        return result

    with (
        connection.execute_wrapper(other_registration_commits),
        django_capture_on_commit_callbacks(execute=True),
    ):
        registration = services.user_register(
            email="race@example.com", password=STRONG_PASSWORD
        )
    assert not racing["pending"]
    assert registration.email == "race@example.com"
    assert User.objects.filter(email="race@example.com").count() == 1
    assert not User.objects.filter(pk=registration.id).exists()
    assert mail.outbox[0].body.count("already has an account") == 1


def test_a_random_id_collision_is_retried(user):
    """An id that happens to be taken is replaced by a fresh one."""
    fresh = services.new_user_id()
    with mock.patch.object(services, "new_user_id", side_effect=[user.pk, fresh]):
        registration = services.user_register(
            email="lucky@example.com", password=STRONG_PASSWORD
        )
    assert registration.id == fresh
    assert User.objects.get(pk=fresh).email == "lucky@example.com"
    user.refresh_from_db()
    assert user.email != "lucky@example.com"


@pytest.mark.django_db
def test_register_ignores_a_bearer_token(api_client):
    """A stale Authorization header does not turn registration into a 401."""
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert (
        register(api_client, email="new@example.com").status_code == HTTPStatus.CREATED
    )


# Email rules -------------------------------------------------------------------


def test_case_variants_of_a_registered_email_are_duplicates(api_client, make_user):
    """``Alice@X.com`` registered, ``alice@x.com`` is the same account."""
    register(api_client, email="Alice@X.com")
    register(api_client, email="alice@x.com")
    assert User.objects.filter(email="alice@x.com").count() == 1


@pytest.mark.django_db
def test_a_confusable_look_alike_address_is_refused(api_client):
    """A Cyrillic "а" (U+0430) look-alike of a Latin address is a 400."""
    register(api_client, email="alice@x.com")
    response = register(api_client, email="\u0430lice@x.com")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "email" in response.json()
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email",
    ["not-an-email", "a@", "@x.com", "a@x.com\nBcc: b@y", "a" * 250 + "@x.com", ""],
)
def test_malformed_addresses_are_refused(api_client, email):
    response = register(api_client, email=email)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "email" in response.json()


# Password rules ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("nine char", "too short"),
        ("1234567890", "too common"),
        ("password123", "too common"),
        ("marguerite.dupont", "too similar to the email address"),
        ("Margot Dupont", "too similar to the display name"),
        ("x" * 4097, "no more than 4096"),
    ],
)
def test_weak_passwords_are_refused(api_client, password, reason):
    """Minimum length 10, common passwords, similarity to email and display name."""
    response = register(
        api_client,
        email="marguerite.dupont@example.com",
        display_name="Margot Dupont",
        password=password,
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert reason in " ".join(response.json()["password"])
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    [
        "a" * 10 + "bcdefghij",
        "all lowercase words no digits",
        "ü" * 12,
        "x" * 64,
        "Zq8#" * 16,
        " leading and trailing spaces ",
    ],
)
def test_strong_passwords_without_composition_rules_are_accepted(api_client, password):
    """No composition rules; 64 characters and more are fine; spaces are kept."""
    response = register(api_client, email="ok@example.com", password=password)
    assert response.status_code == HTTPStatus.CREATED, response.content
    assert User.objects.get(email="ok@example.com").check_password(password)
