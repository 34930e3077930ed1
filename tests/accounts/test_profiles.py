from http import HTTPStatus

import pytest

from accounts.models import Profile, Visibility

LIST = "/api/profiles/"
PUBLIC, PRIVATE = Visibility.PUBLIC, Visibility.PRIVATE


def detail(profile_or_id) -> str:
    pk = getattr(profile_or_id, "pk", profile_or_id)
    return f"/api/profiles/{pk}/"


@pytest.fixture
def viewer(make_user):
    return make_user()


@pytest.fixture
def as_viewer(signed_in, viewer):
    return signed_in(viewer)


@pytest.fixture
def as_staff(signed_in, staff_user):
    return signed_in(staff_user)


# List --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_needs_a_token(api_client):
    assert api_client.get(LIST).status_code == HTTPStatus.UNAUTHORIZED


def test_the_list_shows_public_profiles_of_active_users_only(make_profile, as_viewer):
    shown = make_profile(PUBLIC, display_name="Shown", bio="Hello")
    make_profile(PRIVATE, display_name="Private")
    make_profile(PUBLIC, display_name="Gone", is_active=False)
    body = as_viewer.get(LIST).json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["id"] == shown.pk
    assert item["display_name"] == "Shown"
    assert item["bio"] == "Hello"
    assert "email" not in item


def test_the_list_is_paginated_by_display_name(make_profile, as_viewer):
    for n in range(25):
        make_profile(PUBLIC, display_name=f"Person {n:02}")
    first = as_viewer.get(LIST).json()
    second = as_viewer.get(first["next"]).json()
    names = [p["display_name"] for p in first["results"] + second["results"]]
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert names == sorted(names) == [f"Person {n:02}" for n in range(25)]


@pytest.mark.parametrize("page", ["99", "0", "abc", "9" * 30])
def test_a_page_out_of_range_is_404(as_viewer, page):
    assert as_viewer.get(LIST, {"page": page}).status_code == HTTPStatus.NOT_FOUND


# Detail: who sees what -----------------------------------------------------------


def test_public_profiles_are_visible_to_anyone_signed_in(make_profile, as_viewer):
    profile = make_profile(PUBLIC, display_name="Visible")
    response = as_viewer.get(detail(profile))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["display_name"] == "Visible"


def test_a_private_profile_is_404_to_others(make_profile, as_viewer):
    """Not 403: the private profile is not admitted to exist."""
    profile = make_profile(PRIVATE)
    response = as_viewer.get(detail(profile))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == as_viewer.get(detail(10**15 + 7)).json()


def test_a_private_profile_is_visible_to_its_owner(make_profile, signed_in):
    profile = make_profile(PRIVATE)
    response = signed_in(profile.user).get(detail(profile))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["visibility"] == "private"


def test_a_private_profile_is_visible_to_staff(make_profile, as_staff):
    assert as_staff.get(detail(make_profile(PRIVATE))).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_detail_needs_a_token(api_client, make_profile):
    response = api_client.get(detail(make_profile(PUBLIC)))
    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    "pk",
    [
        "1" * 20,
        "9" * 17,
        "18446744073709551616",
        "99999999999999999999999999",
        "0",
        "-1",
        "1e5",
        "0x10",
        "%20",
    ],
)
def test_ids_that_name_no_user_are_404_not_500(as_viewer, pk):
    """Numbers past the id range never reach the database."""
    response = as_viewer.get(f"/api/profiles/{pk}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"detail": "Not found."}


def test_a_missing_profile_is_404(as_viewer):
    assert as_viewer.get(detail(2**52 + 1)).status_code == HTTPStatus.NOT_FOUND


# Changing ----------------------------------------------------------------------

CHANGES = {
    "display_name": "New Name",
    "bio": "Line one\nLine two",
    "location": "Lyon",
    "website": "https://example.org/me",
    "visibility": "public",
}


def test_the_owner_changes_their_profile(make_profile, signed_in):
    profile = make_profile(PRIVATE)
    response = signed_in(profile.user).patch(detail(profile), CHANGES, format="json")
    assert response.status_code == HTTPStatus.OK
    assert {k: response.json()[k] for k in CHANGES} == CHANGES
    profile.refresh_from_db()
    profile.user.refresh_from_db()
    assert (profile.bio, profile.visibility, profile.user.display_name) == (
        CHANGES["bio"],
        "public",
        "New Name",
    )


def test_staff_change_anyones_profile(make_profile, as_staff):
    profile = make_profile(PRIVATE)
    response = as_staff.patch(detail(profile), {"bio": "moderated"}, format="json")
    assert response.status_code == HTTPStatus.OK
    profile.refresh_from_db()
    assert profile.bio == "moderated"


def test_others_may_not_change_a_public_profile(make_profile, as_viewer):
    profile = make_profile(PUBLIC, bio="mine")
    response = as_viewer.patch(detail(profile), {"bio": "defaced"}, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    profile.refresh_from_db()
    assert profile.bio == "mine"


def test_others_get_404_for_a_private_profile_they_try_to_change(
    make_profile, as_viewer
):
    profile = make_profile(PRIVATE)
    response = as_viewer.patch(detail(profile), {"bio": "x"}, format="json")
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    "change",
    [
        {"website": "javascript:alert(1)"},
        {"website": "ftp://example.org"},
        {"website": "not a url"},
        {"visibility": "friends"},
        {"visibility": 1},
        {"bio": "x" * 2001},
        {"location": "two\nlines"},
        {"display_name": "a\tb"},
        {"display_name": "x" * 151},
        {"bio": 42},
        {"user": 1},
        {"id": 5},
    ],
)
def test_invalid_changes_are_400(make_profile, signed_in, change):
    profile = make_profile(PRIVATE)
    response = signed_in(profile.user).patch(detail(profile), change, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()) == set(change)


def test_put_is_not_allowed(make_profile, signed_in):
    profile = make_profile(PRIVATE)
    response = signed_in(profile.user).put(detail(profile), CHANGES, format="json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


# Deleting ----------------------------------------------------------------------


def test_staff_delete_a_profile_and_the_account_stays(make_profile, as_staff):
    profile = make_profile(PRIVATE)
    assert as_staff.delete(detail(profile)).status_code == HTTPStatus.NO_CONTENT
    assert not Profile.objects.filter(pk=profile.pk).exists()
    profile.user.refresh_from_db()
    assert profile.user.is_active
    assert as_staff.get(detail(profile)).status_code == HTTPStatus.NOT_FOUND


def test_owners_may_not_delete_their_profile(make_profile, signed_in):
    profile = make_profile(PUBLIC)
    response = signed_in(profile.user).delete(detail(profile))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Profile.objects.filter(pk=profile.pk).exists()


@pytest.mark.parametrize(
    ("visibility", "status"),
    [(PUBLIC, HTTPStatus.FORBIDDEN), (PRIVATE, HTTPStatus.NOT_FOUND)],
)
def test_others_may_not_delete(make_profile, as_viewer, visibility, status):
    profile = make_profile(visibility)
    assert as_viewer.delete(detail(profile)).status_code == status
    assert Profile.objects.filter(pk=profile.pk).exists()


# Query counts --------------------------------------------------------------------
#
# With the revocation cache warm, authentication costs no query; without it, one
# (the session joined with its user, which then needs no further query).


@pytest.fixture
def warm(revocation_cache):
    """Sign in and make one request so the session's answer is cached."""

    def warm_up(client):
        assert client.get("/api/accounts/me/").status_code == HTTPStatus.OK
        return client

    return warm_up


def test_list_costs_two_queries_with_the_cache(
    make_profile, signed_in, viewer, warm, django_assert_num_queries
):
    """A count and a page, however many profiles; the user row is never loaded."""
    for n in range(5):
        make_profile(PUBLIC, display_name=f"P{n}")
    client = warm(signed_in(viewer))
    with django_assert_num_queries(2):
        response = client.get(LIST)
    assert response.json()["count"] == 5


def test_list_costs_three_queries_without_the_cache(
    make_profile, as_viewer, django_assert_num_queries
):
    for n in range(5):
        make_profile(PUBLIC, display_name=f"P{n}")
    with django_assert_num_queries(3):
        as_viewer.get(LIST)


@pytest.mark.parametrize(
    ("whose", "visibility", "queries"),
    [
        ("other", PUBLIC, 1),
        ("own", PRIVATE, 1),
        ("other", PRIVATE, 2),
    ],  # is_staff must be read: the user is loaded
)
def test_detail_query_count_with_the_cache(
    make_profile,
    signed_in,
    viewer,
    warm,
    django_assert_num_queries,
    whose,
    visibility,
    queries,
):
    profile = make_profile(visibility) if whose == "other" else _own(viewer, visibility)
    client = warm(signed_in(viewer))
    with django_assert_num_queries(queries):
        client.get(detail(profile))


@pytest.mark.parametrize("visibility", [PUBLIC, PRIVATE])
def test_detail_costs_two_queries_without_the_cache(
    make_profile, as_viewer, django_assert_num_queries, visibility
):
    """The authenticated user is already loaded, so is_staff costs nothing more."""
    profile = make_profile(visibility)
    with django_assert_num_queries(2):
        as_viewer.get(detail(profile))


def test_staff_read_a_private_profile_in_two_queries_with_the_cache(
    make_profile, signed_in, staff_user, warm, django_assert_num_queries
):
    profile = make_profile(PRIVATE)
    client = warm(signed_in(staff_user))
    with django_assert_num_queries(2):
        assert client.get(detail(profile)).status_code == HTTPStatus.OK


def test_the_owners_patch_costs_two_queries_with_the_cache(
    signed_in, viewer, warm, django_assert_num_queries
):
    """Read the profile, update it: the owner is known by the token alone."""
    profile = _own(viewer, PRIVATE)
    client = warm(signed_in(viewer))
    with django_assert_num_queries(2):
        response = client.patch(detail(profile), {"bio": "new"}, format="json")
    assert response.status_code == HTTPStatus.OK


def _own(user, visibility):
    profile = user.profile
    profile.visibility = visibility
    profile.save()
    return profile
