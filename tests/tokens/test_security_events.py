"""
Security events: one writer, a fixed set of fields on every record, the client
address resolved like sessions resolve it, never a token; readable in a console,
JSON in production.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from pythonjsonlogger.json import JsonFormatter

from tests.conftest import PASSWORD
from tokens.models import Session
from tokens.security import FIELDS, ConsoleFormatter, security_event

ROOT = Path(__file__).resolve().parent.parent.parent
LOGIN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"


@pytest.fixture
def events(caplog):
    """Return the security records so far as a list of dicts of their fields."""
    caplog.set_level(logging.INFO, logger="tokens.security")

    def read() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "tokens.security"]

    return read


def by_event(records, name: str) -> logging.LogRecord:
    (record,) = [r for r in records if r.event == name]
    return record


def test_every_security_record_carries_every_field(
    events, api_client, user, login, committed
):
    """sid, user_id, ip, actor, reason and jti are present (None where moot)."""
    with committed():
        pair = login(user)
        api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
        api_client.post(LOGIN, {"email": user.email, "password": "nope"}, format="json")
    records = events()
    assert {r.event for r in records} >= {
        "session_created",
        "session_revoked",
        "login_failed",
    }
    for record in records:
        for field in FIELDS:
            assert hasattr(record, field), (record.event, field)


def test_session_events_name_the_session_user_and_reason(
    events, api_client, user, login, committed
):
    with committed():
        pair = login(user)
        api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    session = Session.objects.get(user=user)
    created = by_event(events(), "session_created")
    assert (created.sid, created.user_id) == (str(session.pk), str(user.pk))
    assert created.ip == "127.0.0.1"
    revoked = by_event(events(), "session_revoked")
    assert (revoked.sid, revoked.user_id, revoked.reason) == (
        str(session.pk),
        str(user.pk),
        "logout",
    )


def test_a_revocation_by_the_user_names_the_actor(
    events, api_client, user, login, bearer, committed
):
    first, second = login(user), login(user)
    target = Session.objects.filter(user=user).order_by("created_at").first()
    with committed():
        api_client.delete(
            f"/api/auth/sessions/{target.pk}/", **bearer(second["access"])
        )
    revoked = by_event(events(), "session_revoked")
    assert (revoked.sid, revoked.actor) == (str(target.pk), str(user.pk))
    assert first  # the revoked session's tokens never appear (see below)


def test_reuse_names_the_jti(events, settings, api_client, user, login, committed):
    settings.TOKENS = {**settings.TOKENS, "ROTATION_GRACE_PERIOD": timedelta(0)}
    pair = login(user)
    with committed():
        api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
        api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    reuse = by_event(events(), "reuse_detected")
    claims = json.loads(_segment(pair["refresh"]))
    assert reuse.jti == claims["jti"]
    assert reuse.sid == claims["sid"]
    assert reuse.reason == "reuse_detected"


def _segment(token: str) -> bytes:
    import base64

    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))


def test_login_failed_uses_the_forwarded_client_address(
    events, settings, api_client, user
):
    """Behind one proxy (NUM_PROXIES=1) the event has the client, as sessions do."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api_client.post(
        LOGIN,
        {"email": user.email, "password": "wrong password"},
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    failed = by_event(events(), "login_failed")
    assert failed.ip == "203.0.113.9"
    response = api_client.post(
        LOGIN,
        {"email": user.email, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 200
    assert Session.objects.get(user=user).ip_address == failed.ip


@pytest.mark.django_db
def test_throttled_names_scope_and_client(events, rates, api_client):
    rates(login_ip="1/min")
    for _ in range(2):
        api_client.post(
            LOGIN, {"email": "a@example.com", "password": "x"}, format="json"
        )
    throttled = by_event(events(), "throttled")
    assert (throttled.scope, throttled.ip) == ("login_ip", "127.0.0.1")


def test_no_token_is_ever_written(events, api_client, user, login, committed):
    pair = login(user)
    security_event("test_event", "a note", note=f"pasted {pair['access']}")
    record = by_event(events(), "test_event")
    assert record.note == "[redacted]"
    for record in events():
        text = " ".join(map(str, vars(record).values()))
        assert pair["access"] not in text and pair["refresh"] not in text


def record_of(**fields) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "tokens.security", "levelno": 30, "levelname": "WARNING",
         "msg": "session revoked", **fields}
    )  # fmt: skip
    return record


def test_the_console_shows_the_fields():
    formatter = ConsoleFormatter("%(levelname)s %(name)s %(message)s")
    line = formatter.format(
        record_of(event="session_revoked", sid="s-1", user_id="7", ip=None, scope="x")
    )
    assert line == (
        "WARNING tokens.security session revoked [session_revoked] "
        "sid=s-1 user_id=7 scope=x"
    )


def test_production_writes_json_with_the_fields():
    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s")
    fields = {"event": "login_failed", "ip": "203.0.113.9", "sid": None}
    data = json.loads(formatter.format(record_of(**fields)))
    assert data["event"] == "login_failed" and data["ip"] == "203.0.113.9"
    assert data["message"] == "session revoked"


def test_project_logging_uses_json_unless_debug():
    from config import settings as project

    handler = project.LOGGING["handlers"]["console"]
    assert handler["formatter"] == ("console" if project.DEBUG else "json")
    assert "JsonFormatter" in project.LOGGING["formatters"]["json"]["()"]


def test_security_py_is_the_only_writer_of_the_security_log():
    """No other module in tokens/ or accounts/ opens the tokens.security logger."""
    pattern = re.compile(r"getLogger\(\s*[\"']tokens\.security[\"']")
    writers = [
        path.relative_to(ROOT).as_posix()
        for app in ("tokens", "accounts")
        for path in (ROOT / app).rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert writers == ["tokens/security.py"]
