"""The project's user admin carries the tokens app's session revocation."""

from http import HTTPStatus

from django.contrib.auth.models import Permission

from tokens import services
from tokens.models import Session


def test_user_change_page_shows_sessions_and_revoke_button(client, make_user):
    admin = make_user(is_staff=True, is_superuser=True)
    target = make_user()
    services.session_create(user=target, user_agent="Firefox/128.0")
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    assert b"revoke-sessions/" in page.content
    assert b"Firefox" in page.content  # the session's device, in the inline


def test_revoke_all_sessions_through_the_user_admin(client, make_user, committed):
    admin = make_user(is_staff=True, is_superuser=True)
    target = make_user()
    for _ in range(2):
        services.session_create(user=target)
    client.force_login(admin)
    url = f"/admin/accounts/user/{target.pk}/revoke-sessions/"
    assert client.get(url).status_code == HTTPStatus.OK  # confirmation only
    assert Session.objects.unrevoked().count() == 2
    with committed():
        done = client.post(url, {"note": "Laptop reported stolen", "post": "yes"})
    assert done.status_code == HTTPStatus.FOUND
    assert set(Session.objects.values_list("revoked_reason", flat=True)) == {"admin"}
    assert set(Session.objects.values_list("revoked_by", flat=True)) == {admin.pk}


def test_staff_without_the_permission_get_no_revoke_button(client, make_user):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "view_session"])
    )
    target = make_user()
    services.session_create(user=target)
    client.force_login(viewer)
    page = client.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == HTTPStatus.OK
    assert b"revoke-sessions/" not in page.content
    forbidden = client.post(
        f"/admin/accounts/user/{target.pk}/revoke-sessions/",
        {"note": "x", "post": "yes"},
    )
    assert forbidden.status_code == HTTPStatus.FORBIDDEN
