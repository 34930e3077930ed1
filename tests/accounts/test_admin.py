from http import HTTPStatus

import pytest

from accounts.models import Profile, User

ADD = "/admin/accounts/user/add/"


def change_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def add_form(**fields):
    data = {
        "email": "",
        "display_name": "",
        "usable_password": "true",
        "password1": "a long admin chosen pass",
        "password2": "a long admin chosen pass",
    }
    data.update(fields)
    return data


@pytest.mark.django_db
def test_admin_adds_a_user_with_a_normalised_email_and_a_profile(admin_client):
    response = admin_client.post(ADD, add_form(email="  Carol@Example.COM "))
    assert response.status_code == HTTPStatus.FOUND, response.context[
        "adminform"
    ].errors
    carol = User.objects.get(email="carol@example.com")
    assert carol.check_password("a long admin chosen pass")
    assert Profile.objects.filter(user=carol).exists()


def test_admin_refuses_a_case_variant_of_an_existing_email(admin_client, make_user):
    make_user("dave@example.com")
    response = admin_client.post(ADD, add_form(email="DAVE@example.com"))
    assert response.status_code == HTTPStatus.OK
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="dave@example.com").count() == 1


@pytest.mark.django_db
def test_admin_refuses_a_confusable_email(admin_client):
    response = admin_client.post(ADD, add_form(email="\u0430dmin2@example.com"))
    assert response.status_code == HTTPStatus.OK
    assert "email" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_admin_can_add_a_user_without_a_usable_password(admin_client):
    response = admin_client.post(
        ADD,
        add_form(
            email="sso@example.com", usable_password="false", password1="", password2=""
        ),
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not User.objects.get(email="sso@example.com").has_usable_password()


def _change_form(user, profile, **fields):
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-user": str(user.pk),
        "profile-0-visibility": profile.visibility,
        "profile-0-bio": profile.bio,
        "profile-0-location": profile.location,
        "profile-0-website": profile.website,
        # The read-only sessions inline still posts its management form.
        "token_sessions-TOTAL_FORMS": "0",
        "token_sessions-INITIAL_FORMS": "0",
        "token_sessions-MIN_NUM_FORMS": "0",
        "token_sessions-MAX_NUM_FORMS": "0",
    }
    data.update(fields)
    return data


def test_the_change_page_shows_the_profile_inline(admin_client, user):
    response = admin_client.get(change_url(user))
    assert response.status_code == HTTPStatus.OK
    assert "profile-0-visibility" in response.content.decode()
    assert str(user.pk) in response.content.decode()


def test_admin_changes_email_and_profile_together(admin_client, user):
    data = _change_form(
        user,
        user.profile,
        email="Renamed@Example.com",
        **{"profile-0-bio": "set by staff", "profile-0-visibility": "public"},
    )
    response = admin_client.post(change_url(user), data)
    assert response.status_code == HTTPStatus.FOUND, (
        response.context["adminform"].errors,
        response.context["inline_admin_formsets"],
    )
    user.refresh_from_db()
    assert user.email == "renamed@example.com"
    assert (user.profile.bio, user.profile.visibility) == ("set by staff", "public")


def test_the_change_form_refuses_another_accounts_email(admin_client, user, make_user):
    make_user("taken@example.com")
    response = admin_client.post(
        change_url(user), _change_form(user, user.profile, email="Taken@example.com")
    )
    assert response.status_code == HTTPStatus.OK
    assert "email" in response.context["adminform"].form.errors


def test_the_user_list_and_search_work(admin_client, make_user):
    make_user("findme@example.com", display_name="Find Me")
    response = admin_client.get("/admin/accounts/user/", {"q": "findme"})
    assert response.status_code == HTTPStatus.OK
    assert "findme@example.com" in response.content.decode()
