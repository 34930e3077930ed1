"""flushexpiredtokens and revoketokens."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tokens import services
from tokens.models import RefreshTokenRecord, RevocationReason, Session


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def age(session: Session, **delta) -> None:
    past = timezone.now() - timedelta(**delta)
    Session.objects.filter(pk=session.pk).update(expires_at=past)
    RefreshTokenRecord.objects.filter(session=session).update(expires_at=past)


def test_flush_deletes_expired_sessions_and_records_in_batches(make_user):
    user = make_user()
    expired = [services.session_create(user=user).session for _ in range(5)]
    live = services.session_create(user=user).session
    for session in expired:
        age(session, days=1)
    output = run("flushexpiredtokens", "--batch-size", "2", "-v", "2")
    assert list(Session.objects.all()) == [live]
    assert list(RefreshTokenRecord.objects.all()) == list(live.refresh_tokens.all())
    # Per batch at -v 2, with the total and a rate.
    assert "expired sessions: 2 of 5 (40%) deleted so far" in output
    assert "rows/s" in output
    assert "expired sessions: 5 deleted in" in output


def test_flush_is_silent_at_verbosity_zero(make_user):
    """Run from cron, the command mails nothing unless it fails."""
    age(services.session_create(user=make_user()).session, days=1)
    assert run("flushexpiredtokens", "-v", "0", "--batch-size", "1") == ""
    assert Session.objects.count() == 0


def test_flush_reports_a_summary_at_the_default_verbosity(make_user):
    age(services.session_create(user=make_user()).session, days=1)
    output = run("flushexpiredtokens")
    assert "expired sessions: 1 deleted in" in output
    assert "revoked sessions past retention: 0 deleted in" in output


def test_flush_batches_walk_rows_that_share_an_expiry(make_user):
    """Batches continue from the last (expiry, id): ties are neither lost nor
    deleted twice."""
    user = make_user()
    sessions = [services.session_create(user=user).session for _ in range(7)]
    past = timezone.now() - timedelta(days=1)
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(expires_at=past)
    RefreshTokenRecord.objects.update(expires_at=past)
    output = run("flushexpiredtokens", "--batch-size", "3", "-v", "2")
    assert Session.objects.count() == 0 and RefreshTokenRecord.objects.count() == 0
    assert "expired sessions: 7 deleted in" in output
    assert "refresh tokens: 7 deleted in" in output


def test_flush_keeps_revoked_sessions_for_the_retention_period(make_user, settings):
    settings.TOKENS = {**settings.TOKENS, "REVOKED_RETENTION": timedelta(days=30)}
    user = make_user()
    recent = services.session_create(user=user).session
    old = services.session_create(user=user).session
    for session in (recent, old):
        services.session_revoke(session=session, reason=RevocationReason.LOGOUT)
        age(session, days=1)
    Session.objects.filter(pk=old.pk).update(
        revoked_at=timezone.now() - timedelta(days=31)
    )
    run("flushexpiredtokens")
    assert list(Session.objects.all()) == [recent]
    assert RefreshTokenRecord.objects.filter(session=recent).exists()


def test_flush_dry_run_deletes_nothing(make_user):
    session = services.session_create(user=make_user()).session
    age(session, days=1)
    output = run("flushexpiredtokens", "--dry-run")
    assert "expired sessions: 1 would be deleted" in output
    assert Session.objects.count() == 1


def test_flush_rejects_a_zero_batch_and_a_negative_pause():
    with pytest.raises(CommandError, match="at least 1"):
        run("flushexpiredtokens", "--batch-size", "0")
    with pytest.raises(CommandError, match="negative"):
        run("flushexpiredtokens", "--pause", "-1")


def test_flush_pauses_between_batches(make_user):
    user = make_user()
    for _ in range(3):
        age(services.session_create(user=user).session, days=1)
    output = run("flushexpiredtokens", "--batch-size", "1", "--pause", "0.01")
    assert "expired sessions: 3 deleted" in output
    assert Session.objects.count() == 0


@pytest.mark.parametrize("by", ["email", "pk"])
def test_revoketokens_revokes_every_session_of_the_user(make_user, by):
    user, other = make_user(), make_user()
    for _ in range(2):
        services.session_create(user=user)
    services.session_create(user=other)
    ident = user.email.upper() if by == "email" else str(user.pk)
    output = run("revoketokens", "--user", ident, "--reason", "password_reset")
    assert "Revoked 2 sessions of" in output
    assert set(
        Session.objects.filter(user=user).values_list("revoked_reason", flat=True)
    ) == {"password_reset"}
    assert Session.objects.get(user=other).revoked_at is None


@pytest.mark.parametrize("ident", ["nobody@example.com", "99999999999999999999999"])
def test_revoketokens_names_an_unknown_user(db, ident):
    with pytest.raises(CommandError, match="No user matches"):
        run("revoketokens", "--user", ident)


def test_revoketokens_records_the_note_with_each_session(make_user):
    user = make_user()
    for _ in range(2):
        services.session_create(user=user)
    output = run("revoketokens", "--user", user.email, "--note", " ticket #123 ")
    assert set(Session.objects.values_list("revoked_note", flat=True)) == {
        "ticket #123"
    }
    assert set(Session.objects.values_list("revoked_reason", flat=True)) == {"admin"}
    assert "Revoked 2 sessions" in output


def test_revoketokens_refuses_a_note_too_long_and_revokes_nothing(make_user):
    user = make_user()
    services.session_create(user=user)
    with pytest.raises(CommandError, match="longer than 500"):
        run("revoketokens", "--user", user.email, "--note", "x" * 501)
    assert Session.objects.get().revoked_at is None


def test_revoketokens_is_silent_at_verbosity_zero(make_user):
    user = make_user()
    services.session_create(user=user)
    assert run("revoketokens", "--user", user.email, "-v", "0") == ""
    assert Session.objects.get().revoked_at is not None
    assert Session.objects.get().revoked_note == ""


def test_flush_knows_every_model_that_refers_to_a_session():
    """
    The flush deletes with SQL (QuerySet._raw_delete), bypassing the collector:
    it deletes a session's records itself, and nothing else may refer to a
    session or a record. A new relation must be handled in delete_batch.
    """
    relations = {
        (rel.related_model, rel.field.name) for rel in Session._meta.related_objects
    }
    assert relations == {(RefreshTokenRecord, "session")}
    assert RefreshTokenRecord._meta.related_objects == ()
