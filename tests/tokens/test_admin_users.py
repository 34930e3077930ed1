"""The user-admin side: sessions inline, revoke-all action and button, wiring."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from tests.admin_site import (
    REVOKE_PERMISSION,
    VIEW_PERMISSIONS,
    api_status,
    assert_api_refuses,
    grant,
)
from tokens import services
from tokens.admin import (
    SessionInline,
    SessionRevocationUserAdminMixin,
    register_user_admin,
)
from tokens.models import RevocationReason, Session

pytestmark = pytest.mark.urls("tests.admin_urls")

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def viewer(make_user):
    return grant(make_user(is_staff=True), *VIEW_PERMISSIONS)


@pytest.fixture
def revoker(make_user):
    return grant(make_user(is_staff=True), *VIEW_PERMISSIONS, REVOKE_PERMISSION)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pairs(user):
    return [
        services.session_create(user=user, user_agent=FIREFOX, ip_address="10.0.0.1")
        for _ in range(2)
    ]


def change_url(user) -> str:
    return reverse("testadmin:accounts_user_change", args=[user.pk])


def revoke_url(user) -> str:
    return reverse("testadmin:accounts_user_revoke_sessions", args=[user.pk])


def action_post(client, users, **extra):
    data = {"action": "revoke_all_sessions", "_selected_action": [u.pk for u in users]}
    return client.post(reverse("testadmin:accounts_user_changelist"), {**data, **extra})


def test_user_page_shows_sessions_inline_and_button(revoker, user, pairs):
    response = client_for(revoker).get(change_url(user))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "Sessions (newest first)" in content
    assert content.count("Firefox 128.0 on Linux") == 2
    assert f'href="{revoke_url(user)}"' in content
    sessions = reverse("testadmin:tokens_session_changelist")
    assert f"{sessions}?user__pk__exact={user.pk}" in content


def test_the_sessions_link_filters_the_changelist(revoker, user, pairs, make_user):
    services.session_create(user=make_user())
    response = client_for(revoker).get(
        reverse("testadmin:tokens_session_changelist"), {"user__pk__exact": user.pk}
    )
    assert {s.pk for s in response.context["cl"].result_list} == {
        p.session.pk for p in pairs
    }


def test_viewer_sees_sessions_but_no_button_or_action(viewer, user, pairs):
    client = client_for(viewer)
    content = client.get(change_url(user)).content.decode()
    assert "Firefox 128.0 on Linux" in content
    assert revoke_url(user) not in content
    changelist = client.get(reverse("testadmin:accounts_user_changelist"))
    assert "revoke_all_sessions" not in changelist.content.decode()


def test_inline_shows_only_the_newest_sessions(revoker, user):
    """A user with many sessions does not get a page of every one of them."""
    for _ in range(23):
        services.session_create(user=user, user_agent=FIREFOX)
    response = client_for(revoker).get(change_url(user))
    assert response.content.decode().count("Firefox 128.0 on Linux") == 20


def test_user_change_form_still_saves(revoker, user, pairs, make_user):
    """The read-only inline does not get in the way of saving the user."""
    superuser = make_user(is_staff=True, is_superuser=True)
    client = client_for(superuser)
    form = client.get(change_url(user)).context["adminform"].form
    data = {**form.initial, "email": "renamed@example.com", "is_active": "on"}
    data.pop("password")
    inline = client.get(change_url(user)).context["inline_admin_formsets"][0]
    management = inline.formset.management_form
    data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    for index, session_form in enumerate(inline.formset.forms):
        data[f"{inline.formset.prefix}-{index}-id"] = session_form.instance.pk
        data[f"{inline.formset.prefix}-{index}-user"] = user.pk
    response = client.post(change_url(user), data)
    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    user.refresh_from_db()
    assert user.email == "renamed@example.com"
    assert Session.objects.filter(user=user, revoked_at__isnull=True).count() == 2


def test_button_confirms_then_revokes_every_session(
    revoker, user, pairs, api_client, django_capture_on_commit_callbacks
):
    assert all(api_status(api_client, pair) == HTTPStatus.OK for pair in pairs)
    client = client_for(revoker)
    page = client.get(revoke_url(user))
    assert page.status_code == HTTPStatus.OK
    content = page.content.decode()
    assert all(str(p.session.pk) in content for p in pairs)
    assert Session.objects.unrevoked().filter(user=user).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            revoke_url(user), {"post": "yes", "note": "left the company"}
        )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == change_url(user)
    for pair in pairs:
        pair.session.refresh_from_db()
        assert pair.session.revoked_reason == RevocationReason.ADMIN
        assert pair.session.revoked_by == revoker
        assert_api_refuses(api_client, pair)
    entry = LogEntry.objects.get()
    assert entry.object_id == str(user.pk)
    assert "Revoked all sessions (2). Reason: left the company" in (
        entry.get_change_message()
    )


def test_button_requires_a_reason(revoker, user, pairs):
    response = client_for(revoker).post(revoke_url(user), {"post": "yes", "note": ""})
    assert response.status_code == HTTPStatus.OK
    assert "This field is required." in response.content.decode()
    assert Session.objects.unrevoked().filter(user=user).count() == 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_button_url_is_forbidden_without_permission(viewer, user, pairs, method):
    response = getattr(client_for(viewer), method)(
        revoke_url(user), {"post": "yes", "note": "x"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Session.objects.unrevoked().filter(user=user).count() == 2


def test_action_confirms_then_revokes_all_sessions_of_the_users(
    revoker, make_user, api_client, django_capture_on_commit_callbacks
):
    alice, bob, carol = make_user(), make_user(), make_user()
    pairs = [services.session_create(user=u) for u in (alice, alice, bob, carol)]
    assert all(api_status(api_client, pair) == HTTPStatus.OK for pair in pairs)
    client = client_for(revoker)

    page = action_post(client, [alice, bob])
    assert page.status_code == HTTPStatus.OK
    assert page.templates[0].name == "admin/tokens/revoke_confirmation.html"
    assert len(page.context["rows"]) == 3
    assert Session.objects.unrevoked().count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        done = action_post(client, [alice, bob], post="yes", note="compromised")
    assert done.status_code == HTTPStatus.FOUND
    assert set(Session.objects.unrevoked()) == {pairs[3].session}
    assert LogEntry.objects.count() == 2
    for pair in pairs[:3]:
        assert_api_refuses(api_client, pair)
    assert api_status(api_client, pairs[3]) == HTTPStatus.OK


def test_action_without_reason_or_permission_does_nothing(viewer, revoker, user, pairs):
    assert action_post(client_for(revoker), [user], post="yes").status_code == 200
    action_post(client_for(viewer), [user], post="yes", note="x")
    assert Session.objects.unrevoked().filter(user=user).count() == 2
    assert not LogEntry.objects.exists()


# Wiring ----------------------------------------------------------------------


def test_register_user_admin_extends_the_registered_admin():
    """One call adds the features to the user admin a site already has."""
    site = admin.AdminSite(name="stock")
    site.register(get_user_model(), UserAdmin)
    model_admin = register_user_admin(site=site)
    assert isinstance(model_admin, SessionRevocationUserAdminMixin)
    assert isinstance(model_admin, UserAdmin)
    assert site.get_model_admin(get_user_model()) is model_admin
    again = register_user_admin(site=site)
    assert type(again) is type(model_admin), "calling twice adds nothing"


def test_register_user_admin_refuses_a_swapped_model():
    """Here auth.User is swapped for accounts.User: naming it is an error."""
    with pytest.raises(ImproperlyConfigured, match="is swapped"):
        register_user_admin(site=admin.AdminSite(name="swapped"), model=User)


def test_register_user_admin_refuses_an_unregistered_custom_model():
    with pytest.raises(ImproperlyConfigured, match="has no admin"):
        register_user_admin(site=admin.AdminSite(name="empty"), model=Group)


def test_mixin_keeps_the_admins_own_inlines_and_actions(rf, revoker):
    class Inline(admin.TabularInline):
        model = Group.user_set.through

    class CustomAdmin(SessionRevocationUserAdminMixin, UserAdmin):
        inlines = [Inline]
        actions = ["custom"]

        @admin.action(description="custom")
        def custom(self, request, queryset):
            pass

    model_admin = CustomAdmin(User, admin.AdminSite(name="custom"))
    request = rf.get("/")
    request.user = revoker
    assert model_admin.get_inlines(request, User()) == [Inline, SessionInline]
    assert model_admin.get_inlines(request, None) == [Inline]
    assert {"custom", "revoke_all_sessions"} <= set(model_admin.get_actions(request))


def test_revoke_all_sessions_is_at_the_top_of_the_user_page(revoker, user, pairs):
    """The button sits in the object tools, before the form, not under the inline."""
    content = client_for(revoker).get(change_url(user)).content.decode()
    top = content.index('id="revoke-all-sessions-top"')
    assert content.index('class="object-tools"') < top < content.index('id="user_form"')
    assert f'href="{revoke_url(user)}" id="revoke-all-sessions-top"' in content


def test_viewer_gets_no_revoke_button_at_the_top(viewer, user, pairs):
    content = client_for(viewer).get(change_url(user)).content.decode()
    assert "revoke-all-sessions-top" not in content


def test_confirmation_counts_the_sessions(revoker, user, pairs, make_user):
    """One user: "Revoke 2 sessions"; two users in the action: "of 2 users"."""
    page = client_for(revoker).get(revoke_url(user)).content.decode()
    assert 'value="Yes, revoke 2 sessions"' in page
    other = make_user()
    services.session_create(user=other)
    page = action_post(client_for(revoker), [user, other]).content.decode()
    assert "Revoke all sessions of 2 users" in page
    assert 'value="Yes, revoke 3 sessions"' in page


def test_session_page_shows_the_staff_reason_of_a_user_revocation(revoker, user, pairs):
    """Revoking all of a user's sessions shows the reason on each session page."""
    client = client_for(revoker)
    client.post(revoke_url(user), {"post": "yes", "note": "left the company"})
    for pair in pairs:
        pair.session.refresh_from_db()
        assert pair.session.revoked_note == "left the company"
    url = reverse("testadmin:tokens_session_change", args=[pairs[0].session.pk])
    content = client.get(url).content.decode()
    assert "left the company" in content
    assert str(revoker) in content
