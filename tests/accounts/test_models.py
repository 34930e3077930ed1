from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts.models import USER_ID_MAX, USER_ID_MIN, Profile, User, Visibility


def test_every_new_user_gets_a_private_profile(make_user):
    """A profile is created with each user, private until its owner says so."""
    user = make_user()
    profile = Profile.objects.get(pk=user.pk)
    assert profile.visibility == Visibility.PRIVATE
    assert (profile.bio, profile.location, profile.website) == ("", "", "")


@pytest.mark.django_db
def test_superusers_get_a_profile_too():
    """However the user is made (here createsuperuser), the profile comes with it."""
    call_command(
        "createsuperuser",
        email="Root@Example.com",
        interactive=False,
        stdout=StringIO(),
    )
    root = User.objects.get(email="root@example.com")
    assert Profile.objects.filter(user=root).exists()


def test_user_ids_are_random_and_javascript_safe(make_user):
    """Ids are 16-digit random integers below 2**53, not a countable sequence."""
    ids = [make_user().pk for _ in range(5)]
    assert all(USER_ID_MIN <= pk <= USER_ID_MAX < 2**53 for pk in ids)
    assert sorted(ids) != [ids[0] + n for n in range(5)]
    assert len(set(ids)) == 5


def test_a_taken_id_fails_the_insert_and_overwrites_nothing(user):
    """A colliding random id is an IntegrityError, never an update of the other row."""
    clash = User(pk=user.pk, email="clash@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()
    user.refresh_from_db()
    assert user.email != "clash@example.com"


def test_emails_differing_in_case_are_one_account(make_user):
    """``Alice@X.com`` and ``alice@x.com`` name the same account."""
    alice = make_user("Alice@X.com")
    assert alice.email == "alice@x.com"
    assert User.objects.get_by_natural_key("ALICE@x.COM") == alice


def test_the_database_refuses_a_case_variant_that_bypassed_normalisation(make_user):
    """The case-insensitive unique constraint backs the application's rule."""
    make_user("bob@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="BOB@example.com")


def test_a_confusable_non_ascii_address_is_refused(db):
    """A Cyrillic "а" in place of a Latin "a" is not a valid address here."""
    with pytest.raises(ValidationError, match="ASCII"):
        User.objects.create_user("\u0430lice@x.com", "irrelevant password")


def test_full_width_letters_fold_into_the_plain_address(make_user):
    """NFKC folds compatibility forms, so they cannot make a second account."""
    alice = make_user("alice@x.com")
    assert User.objects.get_by_natural_key("\uff41lice@x.com") == alice


def test_listed_profiles_are_public_and_of_active_users(make_profile):
    """Only public profiles of active accounts are listed."""
    shown = make_profile(Visibility.PUBLIC)
    make_profile(Visibility.PRIVATE)
    make_profile(Visibility.PUBLIC, is_active=False)
    assert list(Profile.objects.listed()) == [shown]
