"""The sessions and refresh-token admin: lists, filters, search, revoke action."""

from __future__ import annotations

import logging
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.admin_site import (
    REVOKE_PERMISSION,
    VIEW_PERMISSIONS,
    api_status,
    assert_api_refuses,
    grant,
)
from tokens import services
from tokens.models import RefreshTokenRecord, RevocationReason, Session

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHANGELIST = "/admin/tokens/session/"


@pytest.fixture
def viewer(make_user):
    """Staff who may look at sessions but not revoke them."""
    return grant(make_user(is_staff=True), *VIEW_PERMISSIONS)


@pytest.fixture
def revoker(make_user):
    """Staff who may look at and revoke sessions."""
    return grant(make_user(is_staff=True), *VIEW_PERMISSIONS, REVOKE_PERMISSION)


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def pair(user):
    return services.session_create(user=user, user_agent=FIREFOX, ip_address="10.0.0.7")


def action_post(client, sessions, follow=False, **extra):
    data = {"action": "revoke_selected", "_selected_action": [s.pk for s in sessions]}
    return client.post(CHANGELIST, {**data, **extra}, follow=follow)


# Lists ---------------------------------------------------------------------


def test_changelist_shows_device_ip_and_status(viewer, pair):
    """The list names the user, the parsed device, the IP and the status."""
    response = client_for(viewer).get(CHANGELIST)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert pair.session.user.email in content
    assert "Firefox 128.0 on Linux" in content
    assert "10.0.0.7" in content
    assert ">active<" in content


def test_viewer_sees_no_revoke_action_or_button(viewer, pair):
    """Without tokens.revoke_session the list has no action and no revoke link."""
    content = client_for(viewer).get(CHANGELIST).content.decode()
    assert "revoke_selected" not in content
    assert "action-checkbox" not in content
    assert "revoke-token/" not in content


def test_revoker_sees_revoke_action_and_button(revoker, pair):
    content = client_for(revoker).get(CHANGELIST).content.decode()
    assert 'value="revoke_selected"' in content
    assert "Revoke selected sessions" in content
    assert reverse("admin:tokens_session_revoke_token") in content


def test_non_staff_get_the_admin_login(make_user, pair):
    """A signed-in user who is not staff is sent to the admin login."""
    client = client_for(grant(make_user(), *VIEW_PERMISSIONS, REVOKE_PERMISSION))
    for url in (
        CHANGELIST,
        reverse("admin:tokens_session_revoke", args=[pair.session.pk]),
        reverse("admin:tokens_session_revoke_token"),
    ):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/admin/login/")


def test_changelist_queries_do_not_grow_with_rows(viewer, make_user):
    """list_select_related: the page costs the same for 2 rows as for 12."""
    client = client_for(viewer)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST).status_code == HTTPStatus.OK
        return len(ctx.captured_queries)

    for _ in range(2):
        services.session_create(user=make_user(), user_agent=FIREFOX)
    few = count_queries()
    for _ in range(10):
        services.session_create(user=make_user(), user_agent=FIREFOX)
    assert count_queries() == few


def make_statuses(make_user):
    """Return one active, one expired, one idle and one revoked session."""
    active = services.session_create(user=make_user()).session
    expired = services.session_create(user=make_user()).session
    Session.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    idle = services.session_create(user=make_user()).session
    Session.objects.filter(pk=idle.pk).update(
        last_used_at=timezone.now() - timedelta(days=8)
    )
    revoked = services.session_create(user=make_user()).session
    services.session_revoke(session=revoked, reason=RevocationReason.LOGOUT)
    return active, expired, idle, revoked


def listed(response) -> set[str]:
    return {str(s.pk) for s in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("status", "expected"),
    [("active", [0]), ("expired", [1, 2]), ("revoked", [3]), (None, [0, 1, 2, 3])],
)
def test_status_filter(viewer, make_user, status, expected):
    """The status filter uses the querysets active(), expired() and revoked()."""
    sessions = make_statuses(make_user)
    query = {"status": status} if status else {}
    response = client_for(viewer).get(CHANGELIST, query)
    assert listed(response) == {str(sessions[i].pk) for i in expected}


def test_status_column_names_the_revocation_reason(viewer, make_user):
    make_statuses(make_user)
    content = client_for(viewer).get(CHANGELIST).content.decode()
    assert "revoked: logout" in content
    assert ">expired<" in content


def test_reason_and_created_filters(viewer, make_user):
    active, _, _, revoked = make_statuses(make_user)
    client = client_for(viewer)
    by_reason = client.get(CHANGELIST, {"revoked_reason__exact": "logout"})
    assert listed(by_reason) == {str(revoked.pk)}
    today = client.get(
        CHANGELIST, {"created_at__gte": str(timezone.now() - timedelta(hours=1))}
    )
    assert str(active.pk) in listed(today)


@pytest.mark.parametrize("how", ["email", "session", "jti", "jti_hex"])
def test_search_finds_a_session(viewer, pair, make_user, how):
    """Search by the user's email, the session id or a refresh token's JTI."""
    services.session_create(user=make_user())
    record = RefreshTokenRecord.objects.get(session=pair.session)
    term = {
        "email": pair.session.user.email.upper()[:8],
        "session": str(pair.session.pk),
        "jti": str(record.jti),
        "jti_hex": record.jti.hex,
    }[how]
    response = client_for(viewer).get(CHANGELIST, {"q": term})
    assert listed(response) == {str(pair.session.pk)}


@pytest.mark.parametrize(
    "term", ["not-a-uuid", "1234", "' OR 1=1 --", "ffffffff-ffff", "é" * 36, "x" * 40]
)
def test_search_with_any_text_never_fails(viewer, pair, term):
    """A term that is not a UUID never reaches a UUID lookup (no 500)."""
    response = client_for(viewer).get(CHANGELIST, {"q": term})
    assert response.status_code == HTTPStatus.OK
    assert listed(response) == set()


# View-only -----------------------------------------------------------------


def test_change_page_is_view_only_with_refresh_chain(viewer, pair, api_client):
    """The change page shows the chain: issued, used, successor."""
    first = RefreshTokenRecord.objects.get(session=pair.session)
    api_client.post(
        "/api/auth/token/refresh/", {"refresh": pair.refresh}, format="json"
    )
    successor = RefreshTokenRecord.objects.exclude(pk=first.pk).get()
    url = reverse("admin:tokens_session_change", args=[pair.session.pk])
    response = client_for(viewer).get(url)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert str(first.jti) in content and str(successor.jti) in content
    assert ">used<" in content and ">active<" in content
    assert 'name="_save"' not in content
    assert "Revoke this session" not in content


def test_nothing_can_be_added_changed_or_deleted(revoker, pair):
    client = client_for(revoker)
    change = reverse("admin:tokens_session_change", args=[pair.session.pk])
    assert client.post(change, {"ip_address": "1.2.3.4"}).status_code == 403
    assert client.get(reverse("admin:tokens_session_add")).status_code == 403
    delete = reverse("admin:tokens_session_delete", args=[pair.session.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Session.objects.filter(pk=pair.session.pk).exists()


def test_refresh_token_list_is_view_only_with_status_filter(viewer, pair, api_client):
    api_client.post(
        "/api/auth/token/refresh/", {"refresh": pair.refresh}, format="json"
    )
    client = client_for(viewer)
    url = "/admin/tokens/refreshtokenrecord/"
    used = client.get(url, {"status": "used"})
    active = client.get(url, {"status": "active"})
    assert used.status_code == active.status_code == HTTPStatus.OK
    assert len(used.context["cl"].result_list) == 1
    assert len(active.context["cl"].result_list) == 1
    record = active.context["cl"].result_list[0]
    assert listed(client.get(url, {"q": record.jti.hex})) == {str(record.jti)}
    assert listed(client.get(url, {"q": "garbage"})) == set()
    assert client.get(url, {"status": "revoked"}).context["cl"].result_count == 0
    assert client.get(f"{url}add/").status_code == 403


# Revoking ------------------------------------------------------------------


def test_action_first_shows_a_confirmation(revoker, pair):
    """Choosing the action lists what will be revoked and asks for a reason."""
    response = action_post(client_for(revoker), [pair.session])
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/tokens/revoke_confirmation.html"
    content = response.content.decode()
    assert str(pair.session.pk) in content
    assert 'name="note"' in content
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None


def test_action_without_a_reason_changes_nothing(revoker, pair):
    response = action_post(client_for(revoker), [pair.session], post="yes", note=" ")
    assert response.status_code == HTTPStatus.OK
    assert "This field is required." in response.content.decode()
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None


def test_action_revokes_records_and_logs(
    revoker, pair, make_user, api_client, caplog, django_capture_on_commit_callbacks
):
    """Confirmed with a reason: revoked as admin, by whom, logged twice, API refuses."""
    other = services.session_create(user=make_user())
    assert api_status(api_client, pair) == HTTPStatus.OK  # now cached as valid
    caplog.set_level(logging.INFO, logger="tokens.security")
    with django_capture_on_commit_callbacks(execute=True):
        response = action_post(
            client_for(revoker), [pair.session], post="yes", note="laptop stolen, #42"
        )
    assert response.status_code == HTTPStatus.FOUND
    pair.session.refresh_from_db()
    assert pair.session.revoked_reason == RevocationReason.ADMIN
    assert pair.session.revoked_by == revoker
    assert Session.objects.get(pk=other.session.pk).revoked_at is None
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag) == (revoker, CHANGE)
    assert entry.content_type == ContentType.objects.get_for_model(Session)
    assert entry.object_id == str(pair.session.pk)
    assert "laptop stolen, #42" in entry.get_change_message()
    notes = [r for r in caplog.records if getattr(r, "note", None)]
    assert notes[0].note == "laptop stolen, #42"
    assert notes[0].sids == [str(pair.session.pk)]
    assert pair.access not in caplog.text and pair.refresh not in caplog.text
    assert_api_refuses(api_client, pair)


def test_action_leaves_already_revoked_sessions_alone(revoker, pair, user):
    """A session revoked earlier keeps its original reason and no log entry."""
    earlier = services.session_create(user=user).session
    services.session_revoke(session=earlier, reason=RevocationReason.LOGOUT)
    action_post(
        client_for(revoker), [pair.session, earlier], post="yes", note="cleanup"
    )
    earlier.refresh_from_db()
    assert earlier.revoked_reason == RevocationReason.LOGOUT
    assert LogEntry.objects.count() == 1


def test_action_on_revoked_sessions_only_warns(revoker, pair):
    services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    response = action_post(client_for(revoker), [pair.session], follow=True)
    assert "already revoked" in response.content.decode()
    assert LogEntry.objects.count() == 0


def test_action_is_refused_without_permission(viewer, pair):
    """A viewer posting the action by hand revokes nothing."""
    action_post(client_for(viewer), [pair.session], post="yes", note="no")
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None
    assert LogEntry.objects.count() == 0


def test_revoke_button_leads_to_confirmation_then_revokes(
    revoker, pair, api_client, django_capture_on_commit_callbacks
):
    assert api_status(api_client, pair) == HTTPStatus.OK
    client = client_for(revoker)
    change = reverse("admin:tokens_session_change", args=[pair.session.pk])
    url = reverse("admin:tokens_session_revoke", args=[pair.session.pk])
    assert url in client.get(change).content.decode()
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert "Yes, revoke" in page.content.decode()
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None, "a GET changes nothing"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"post": "yes", "note": "asked by phone"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == change
    pair.session.refresh_from_db()
    assert pair.session.revoked_reason == RevocationReason.ADMIN
    assert "asked by phone" in LogEntry.objects.get().get_change_message()
    assert_api_refuses(api_client, pair)


def test_revoke_view_requires_a_reason(revoker, pair):
    url = reverse("admin:tokens_session_revoke", args=[pair.session.pk])
    response = client_for(revoker).post(url, {"post": "yes"})
    assert response.status_code == HTTPStatus.OK
    assert "This field is required." in response.content.decode()
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None


def test_revoke_view_of_a_revoked_session_redirects(revoker, pair):
    services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    url = reverse("admin:tokens_session_revoke", args=[pair.session.pk])
    response = client_for(revoker).post(url, {"post": "yes", "note": "again"})
    assert response.status_code == HTTPStatus.FOUND
    assert LogEntry.objects.count() == 0


@pytest.mark.parametrize(
    "object_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]
)
def test_revoke_view_of_an_unknown_session_redirects(revoker, object_id):
    url = reverse("admin:tokens_session_revoke", args=[object_id])
    response = client_for(revoker).get(url)
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("method", ["get", "post"])
def test_revoke_urls_are_forbidden_without_permission(viewer, pair, method):
    client = client_for(viewer)
    for url in (
        reverse("admin:tokens_session_revoke", args=[pair.session.pk]),
        reverse("admin:tokens_session_revoke_token"),
    ):
        response = getattr(client, method)(url, {"post": "yes", "note": "x"})
        assert response.status_code == HTTPStatus.FORBIDDEN
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None


def test_revoking_needs_the_csrf_token(revoker, pair):
    """A cross-site POST is refused by CSRF protection."""
    client = client_for(revoker, enforce_csrf_checks=True)
    url = reverse("admin:tokens_session_revoke", args=[pair.session.pk])
    assert client.post(url, {"post": "yes", "note": "x"}).status_code == 403
    assert action_post(client, [pair.session], post="yes", note="x").status_code == 403
    pair.session.refresh_from_db()
    assert pair.session.revoked_at is None


# Wording and layout --------------------------------------------------------


def test_confirmation_wording_is_singular_for_one_session(revoker, pair, user):
    """One session: "Revoke 1 session"; three: "Revoke 3 sessions"."""
    client = client_for(revoker)
    page = action_post(client, [pair.session]).content.decode()
    assert "Revoke 1 session<" in page and 'value="Yes, revoke 1 session"' in page
    assert "The following session will be revoked." in page
    more = [services.session_create(user=user).session for _ in range(2)]
    page = action_post(client, [pair.session, *more]).content.decode()
    assert "Revoke 3 sessions<" in page and 'value="Yes, revoke 3 sessions"' in page
    assert "The following 3 sessions will be revoked." in page


def test_session_page_shows_the_staff_reason_and_who(revoker, pair):
    """After a staff revocation the session's page says why, and who did it."""
    client = client_for(revoker)
    revoke = f"{CHANGELIST}{pair.session.pk}/revoke/"
    client.post(revoke, {"post": "yes", "note": "laptop stolen, #123"})
    response = client.get(f"{CHANGELIST}{pair.session.pk}/change/")
    fields = {
        field.field["name"]: field.contents()
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
    }
    assert fields["revoked_note"] == "laptop stolen, #123"
    assert str(revoker) in fields["revoked_by"]
    pair.session.refresh_from_db()
    assert pair.session.revoked_note == "laptop stolen, #123"


def test_long_columns_are_cut_with_the_whole_value_in_a_tooltip(viewer, user):
    """Values are one line in the list (cut by its CSS), whole in their title."""
    agent = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
    )
    session = services.session_create(user=user, user_agent=agent).session
    content = client_for(viewer).get(CHANGELIST).content.decode()
    # The device links to the session; the agent and the id are in its tooltip.
    assert f'title="{agent}\nsession {session.pk}">Edge 131.0.0 on Windows<' in content
    record = RefreshTokenRecord.objects.get(session=session)
    listing = client_for(viewer).get("/admin/tokens/refreshtokenrecord/")
    assert f'title="{record.jti}">{str(record.jti)[:8]}<' in listing.content.decode()
