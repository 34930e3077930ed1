"""
The Shared Signals transmitter: every revocation path records a CAEP event
per stream in its own transaction; streams are managed by their receivers;
events leave by poll (RFC 8936) or push (RFC 8935) as SETs that verify with
the site's JWKS, in order, and stay in the outbox until the receiver has them.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.core.management import call_command
from django.db import transaction

from tests.tokens.test_keys import asymmetric_entry
from tokens import services
from tokens.models import RevocationReason
from tokens.ssf import delivery, events
from tokens.ssf.checks import check_security_events
from tokens.ssf.models import DeliveryMethod, EventStream, PendingEvent
from tokens.tokens import RefreshToken

SESSION_REVOKED = events.SESSION_REVOKED


@pytest.fixture
def signals_on(settings):
    settings.TOKENS = {
        **settings.TOKENS,
        "SECURITY_EVENTS": True,
        "SIGNING_KEYS": [asymmetric_entry("EdDSA", "ed")],
        "ACTIVE_KID": "ed",
    }


@pytest.fixture
def client_credentials(db) -> Iterator[tuple[Any, str]]:
    from tokens.models import ResourceServer

    server, secret = ResourceServer.objects.create_with_secret(name="orders service")
    yield server, secret


@pytest.fixture
def receiver_client(api_client, client_credentials):
    server, secret = client_credentials
    api_client.credentials(HTTP_AUTHORIZATION=_basic(server.client_id, secret))
    return api_client


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _stream(
    server: Any, method: str = DeliveryMethod.POLL, **fields: Any
) -> EventStream:
    return EventStream.objects.create(
        resource_server=server, delivery_method=method, **fields
    )


def _verified(token: str, audience: str) -> dict[str, Any]:
    """Verify a SET as a receiver would: the JWKS's public key, typ, iss, aud."""
    from tokens.signing import get_key_ring

    header = jwt.get_unverified_header(token)
    assert header["typ"] == "secevent+jwt"
    jwk = next(k for k in get_key_ring().jwks["keys"] if k["kid"] == header["kid"])
    key = jwt.PyJWK(jwk).key
    return jwt.decode(
        token, key, algorithms=[jwk["alg"]], audience=audience, issuer="revocable-jwt"
    )


def _revoked_sids(stream: EventStream) -> list[str]:
    rows = PendingEvent.objects.filter(stream=stream, event_type=SESSION_REVOKED)
    return [row.claims["sub_id"]["session"]["id"] for row in rows.order_by("id")]


# Off by default ---------------------------------------------------------------


def test_the_transmitter_is_off_by_default(db, api_client, user, committed):
    assert api_client.get("/.well-known/ssf-configuration").status_code == 404
    pair = services.session_create(user=user)
    with committed():
        services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
    assert not PendingEvent.objects.exists()


def test_the_configuration_names_the_endpoints(signals_on, db, api_client):
    response = api_client.get("/.well-known/ssf-configuration")
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "revocable-jwt"
    assert body["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert body["configuration_endpoint"] == "http://testserver/api/ssf/stream/"
    assert body["verification_endpoint"] == "http://testserver/api/ssf/verify/"
    assert body["authorization_schemes"] == [
        {"spec_urn": "urn:ietf:rfc:7617"},
        {"spec_urn": "urn:ietf:rfc:7523"},
    ]
    assert set(body["delivery_methods_supported"]) == {
        "urn:ietf:rfc:8935",
        "urn:ietf:rfc:8936",
    }


def test_no_asymmetric_key_is_an_error(settings):
    settings.TOKENS = {**settings.TOKENS, "SECURITY_EVENTS": True}
    (error,) = check_security_events()
    assert error.id == "tokens.E060"


# Every revocation path emits -------------------------------------------------


@pytest.fixture
def stream(signals_on, client_credentials) -> EventStream:
    return _stream(client_credentials[0])


def test_logout_emits_session_revoked(stream, api_client, user, login):
    pair = login(user)
    response = api_client.post(
        "/api/auth/logout/", {"refresh": pair["refresh"]}, format="json"
    )
    assert response.status_code in (200, 204)
    sid = str(RefreshToken(pair["refresh"]).session_id)
    assert _revoked_sids(stream) == [sid]
    (row,) = PendingEvent.objects.filter(stream=stream)
    body = row.claims["events"][SESSION_REVOKED]
    assert body["initiating_entity"] == "user"
    assert row.claims["sub_id"]["user"]["id"] == str(user.pk)
    assert row.claims["aud"] == stream.audience


def test_logout_everywhere_emits_one_event_per_session(
    stream, api_client, user, login, bearer
):
    pairs = [login(user) for _ in range(3)]
    response = api_client.post(
        "/api/auth/logout-all/", **bearer(pairs[0]["access"]), format="json"
    )
    assert response.status_code in (200, 204)
    expected = {str(RefreshToken(p["refresh"]).session_id) for p in pairs}
    assert set(_revoked_sids(stream)) == expected


def test_a_password_change_emits_credential_change_and_the_revocations(
    stream, user, make_user
):
    kept = services.session_create(user=user)
    other = services.session_create(user=user)
    with services.password_change_origin(user=user, current_session_id=kept.session.pk):
        user.set_password("A-new-and-long-passphrase-9")
        user.save()
    types = list(
        PendingEvent.objects.filter(stream=stream)
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert types == [events.CREDENTIAL_CHANGE, SESSION_REVOKED]
    assert _revoked_sids(stream) == [str(other.session.pk)]


def test_deactivation_emits_even_when_sessions_are_only_forgotten(
    stream, settings, user
):
    settings.TOKENS = {**settings.TOKENS, "REVOKE_ON_DEACTIVATION": False}
    pair = services.session_create(user=user)
    user.is_active = False
    user.save()
    assert _revoked_sids(stream) == [str(pair.session.pk)]


def test_deletion_emits(stream, user):
    pair = services.session_create(user=user)
    user.delete()
    assert _revoked_sids(stream) == [str(pair.session.pk)]


def test_reuse_detection_emits(stream, user, settings):
    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}
    pair = services.session_create(user=user)
    services.refresh_rotate(token=RefreshToken(pair.refresh))
    with pytest.raises(Exception):
        services.refresh_rotate(token=RefreshToken(pair.refresh))
    (row,) = PendingEvent.objects.filter(stream=stream, event_type=SESSION_REVOKED)
    assert row.claims["events"][SESSION_REVOKED]["initiating_entity"] == "policy"


def test_revoketokens_emits(stream, user):
    pair = services.session_create(user=user)
    call_command("revoketokens", "--user", user.email)
    assert _revoked_sids(stream) == [str(pair.session.pk)]


def test_the_events_roll_back_with_the_revocation(stream, user):
    pair = services.session_create(user=user)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.session_revoke(session=pair.session, reason=RevocationReason.ADMIN)
        raise RuntimeError("the revocation's transaction fails")
    assert not PendingEvent.objects.exists()


def test_a_paused_stream_records_nothing(stream, user):
    stream.status = "paused"
    stream.save()
    pair = services.session_create(user=user)
    services.session_revoke(session=pair.session, reason=RevocationReason.ADMIN)
    assert not PendingEvent.objects.exists()


# Stream management --------------------------------------------------------------


def test_a_receiver_creates_reads_and_deletes_its_stream(signals_on, receiver_client):
    created = receiver_client.post(
        "/api/ssf/stream/",
        {"delivery": {"method": DeliveryMethod.POLL}},
        format="json",
    )
    assert created.status_code == 201, created.content
    config = created.json()
    stream_id = config["stream_id"]
    assert config["delivery"]["endpoint_url"] == (
        f"http://testserver/api/ssf/poll/{stream_id}/"
    )
    assert SESSION_REVOKED in config["events_delivered"]
    read = receiver_client.get(f"/api/ssf/stream/?stream_id={stream_id}")
    assert read.json()["stream_id"] == stream_id
    assert (
        receiver_client.delete(f"/api/ssf/stream/?stream_id={stream_id}").status_code
        == 204
    )
    assert not EventStream.objects.exists()


def test_a_push_stream_needs_an_endpoint(signals_on, receiver_client):
    response = receiver_client.post(
        "/api/ssf/stream/", {"delivery": {"method": DeliveryMethod.PUSH}}, format="json"
    )
    assert response.status_code == 400


def test_the_authorization_header_is_never_shown_back(signals_on, receiver_client):
    response = receiver_client.post(
        "/api/ssf/stream/",
        {
            "delivery": {
                "method": DeliveryMethod.PUSH,
                "endpoint_url": "https://orders.example/ssf",
                "authorization_header": "Bearer receiver-secret",
            }
        },
        format="json",
    )
    assert response.status_code == 201
    assert "receiver-secret" not in response.content.decode()


def test_without_credentials_a_receiver_is_refused(signals_on, db, api_client):
    response = api_client.get("/api/ssf/stream/")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "header", ["Basic !!!", "Basic " + "QQ==" * 400, "Bearer x", "Basic Og=="]
)
def test_malformed_credentials_are_a_401(signals_on, db, api_client, header):
    response = api_client.get("/api/ssf/stream/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_wrong_secret_is_a_401(signals_on, api_client, client_credentials):
    server, _secret = client_credentials
    api_client.credentials(HTTP_AUTHORIZATION=_basic(server.client_id, "wrong"))
    assert api_client.get("/api/ssf/stream/").status_code == 401


def test_another_receivers_stream_is_a_404(signals_on, receiver_client, db):
    from tokens.models import ResourceServer

    other, _secret = ResourceServer.objects.create_with_secret(name="billing")
    theirs = _stream(other)
    response = receiver_client.get(f"/api/ssf/stream/?stream_id={theirs.pk}")
    assert response.status_code == 404
    poll = receiver_client.post(f"/api/ssf/poll/{theirs.pk}/", {}, format="json")
    assert poll.status_code == 404


def test_setting_the_status_emits_stream_updated(
    signals_on, receiver_client, client_credentials
):
    stream = _stream(client_credentials[0])
    response = receiver_client.post(
        "/api/ssf/status/",
        {"stream_id": str(stream.pk), "status": "paused", "reason": "maintenance"},
        format="json",
    )
    assert response.json() == {
        "stream_id": str(stream.pk),
        "status": "paused",
        "reason": "maintenance",
    }
    (row,) = PendingEvent.objects.filter(stream=stream)
    assert row.event_type == events.STREAM_UPDATED


# Poll --------------------------------------------------------------------------


def test_poll_hands_out_verifiable_sets_until_acknowledged(
    signals_on, receiver_client, client_credentials, user
):
    stream = _stream(client_credentials[0])
    pairs = [services.session_create(user=user) for _ in range(3)]
    for pair in pairs:
        services.session_revoke(session=pair.session, reason=RevocationReason.ADMIN)
    url = f"/api/ssf/poll/{stream.pk}/"

    first = receiver_client.post(url, {"maxEvents": 2}, format="json").json()
    assert first["moreAvailable"] is True
    claims = [_verified(s, stream.audience) for s in first["sets"].values()]
    assert [c["sub_id"]["session"]["id"] for c in claims] == [
        str(p.session.pk) for p in pairs[:2]
    ]
    again = receiver_client.post(url, {"maxEvents": 2}, format="json").json()
    assert again["sets"].keys() == first["sets"].keys()  # not acknowledged yet

    rest = receiver_client.post(
        url, {"ack": list(first["sets"]), "maxEvents": 10}, format="json"
    ).json()
    assert rest["moreAvailable"] is False
    (last,) = rest["sets"].values()
    assert _verified(last, stream.audience)["sub_id"]["session"]["id"] == str(
        pairs[2].session.pk
    )
    done = receiver_client.post(url, {"ack": list(rest["sets"])}, format="json")
    assert done.json() == {"sets": {}, "moreAvailable": False}


def test_a_verification_event_comes_after_what_was_queued(
    signals_on, receiver_client, client_credentials, user
):
    stream = _stream(client_credentials[0])
    pair = services.session_create(user=user)
    services.session_revoke(session=pair.session, reason=RevocationReason.ADMIN)
    response = receiver_client.post(
        "/api/ssf/verify/", {"stream_id": str(stream.pk), "state": "abc"}, format="json"
    )
    assert response.status_code == 204
    sets = receiver_client.post(f"/api/ssf/poll/{stream.pk}/", {}, format="json")
    kinds = [
        next(iter(_verified(s, stream.audience)["events"]))
        for s in sets.json()["sets"].values()
    ]
    assert kinds == [SESSION_REVOKED, events.VERIFICATION]


@pytest.mark.parametrize(
    "body",
    [{"maxEvents": -1}, {"maxEvents": "many"}, {"ack": "jti"}, {"ack": [["x"]]}, []],
)
def test_a_malformed_poll_is_a_400(
    signals_on, receiver_client, client_credentials, body
):
    stream = _stream(client_credentials[0])
    response = receiver_client.post(f"/api/ssf/poll/{stream.pk}/", body, format="json")
    assert response.status_code == 400


# Push --------------------------------------------------------------------------


class Receiver(http.server.ThreadingHTTPServer):
    """A real HTTP endpoint that answers pushes with a chosen status."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PushHandler)
        self.received: list[tuple[str, str, str | None]] = []
        self.status = 202

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/ssf/push"


class _PushHandler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.received.append(
            (body, self.headers["Content-Type"], self.headers["Authorization"])
        )
        self.send_response(self.server.status)
        if self.server.status == 400:
            payload = json.dumps({"err": "invalid_audience", "description": "x"})
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload.encode())
        else:
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def push_receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def push_stream(signals_on, client_credentials, push_receiver) -> EventStream:
    return _stream(
        client_credentials[0],
        DeliveryMethod.PUSH,
        endpoint_url=push_receiver.url,
        authorization_header="Bearer pushed-to-us",
    )


def _revoke_sessions(user: Any, count: int) -> list[str]:
    sids = []
    for _ in range(count):
        pair = services.session_create(user=user)
        services.session_revoke(session=pair.session, reason=RevocationReason.LOGOUT)
        sids.append(str(pair.session.pk))
    return sids


def test_push_delivers_in_order_and_empties_the_outbox(
    push_stream, push_receiver, user
):
    sids = _revoke_sessions(user, 3)
    assert delivery.deliver_due() == 3
    assert not PendingEvent.objects.exists()
    bodies = [body for body, _, _ in push_receiver.received]
    claims = [_verified(body, push_stream.audience) for body in bodies]
    assert [c["sub_id"]["session"]["id"] for c in claims] == sids
    assert {ct for _, ct, _ in push_receiver.received} == {"application/secevent+jwt"}
    assert {auth for _, _, auth in push_receiver.received} == {"Bearer pushed-to-us"}


def test_a_failing_receiver_keeps_the_events_and_nothing_overtakes(
    push_stream, push_receiver, user
):
    sids = _revoke_sessions(user, 2)
    push_receiver.status = 503
    assert delivery.deliver_due() == 0
    head = PendingEvent.objects.order_by("id").first()
    assert head.attempts == 1 and head.last_error == "HTTP 503"
    assert len(push_receiver.received) == 1  # the second waited behind the first
    push_receiver.status = 202
    assert delivery.deliver_stream(push_stream.pk, now=head.next_attempt_at) == 2
    delivered = [
        _verified(b, push_stream.audience) for b, _, _ in push_receiver.received
    ]
    assert [c["sub_id"]["session"]["id"] for c in delivered[1:]] == sids


def test_a_receiver_that_is_down_is_retried_with_backoff(push_stream, user):
    push_stream.endpoint_url = "http://127.0.0.1:9/nobody-listens"
    push_stream.save()
    _revoke_sessions(user, 1)
    delivery.deliver_due()
    event = PendingEvent.objects.get()
    assert event.attempts == 1
    assert event.last_error in ("URLError", "ConnectionRefusedError")
    assert delivery.backoff(1) == timedelta(milliseconds=250)
    assert delivery.backoff(30) == timedelta(seconds=10)


def test_a_set_the_receiver_refuses_leaves_the_outbox(push_stream, push_receiver, user):
    push_receiver.status = 400
    _revoke_sessions(user, 1)
    assert delivery.deliver_due() == 1
    assert not PendingEvent.objects.exists()


def test_the_worker_command_delivers(push_stream, push_receiver, user):
    _revoke_sessions(user, 2)
    call_command("pushsecurityevents", "--once")
    assert len(push_receiver.received) == 2


# The admin ---------------------------------------------------------------------


def test_the_admin_lists_streams_and_pauses_one(push_stream, client, user, make_user):
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    _revoke_sessions(user, 2)
    page = client.get("/admin/tokens/eventstream/")
    assert page.status_code == 200
    assert "pushed-to-us" not in page.content.decode()
    detail = client.get(f"/admin/tokens/eventstream/{push_stream.pk}/change/")
    assert detail.status_code == 200
    assert "pushed-to-us" not in detail.content.decode()
    response = client.post(
        "/admin/tokens/eventstream/",
        {"action": "pause_selected", "_selected_action": [str(push_stream.pk)]},
    )
    assert response.status_code == 302
    push_stream.refresh_from_db()
    assert push_stream.status == "paused"
    latest = PendingEvent.objects.order_by("-id").first()
    assert latest.event_type == events.STREAM_UPDATED


# The OpenAPI schema ------------------------------------------------------------


def test_the_stream_endpoints_are_in_the_schema_only_when_on(settings, db):
    from io import StringIO

    import yaml
    from drf_spectacular.drainage import GENERATOR_STATS

    def generated() -> dict[str, Any]:
        GENERATOR_STATS.reset()
        out = StringIO()
        call_command("spectacular", "--fail-on-warn", "--validate", stdout=out)
        assert not GENERATOR_STATS
        return yaml.safe_load(out.getvalue())

    assert not any(path.startswith("/api/ssf/") for path in generated()["paths"])
    settings.TOKENS = {
        **settings.TOKENS,
        "SECURITY_EVENTS": True,
        "SIGNING_KEYS": [asymmetric_entry("EdDSA", "ed")],
    }
    paths = generated()["paths"]
    assert paths["/api/ssf/poll/{stream_id}/"]["post"]["tags"] == ["Security events"]
    assert "/.well-known/ssf-configuration" in paths


def test_staff_who_may_only_look_get_no_stream_actions(push_stream, client, make_user):
    from django.contrib.auth.models import Permission

    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_eventstream"))
    client.force_login(viewer)
    page = client.get("/admin/tokens/eventstream/")
    assert page.status_code == 200
    assert "pause_selected" not in page.content.decode()
    response = client.post(
        "/admin/tokens/eventstream/",
        {"action": "pause_selected", "_selected_action": [str(push_stream.pk)]},
    )
    push_stream.refresh_from_db()
    assert push_stream.status == "enabled", response.status_code
