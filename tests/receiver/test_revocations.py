"""The revocation set: expiry, idempotency, freshness and the stream's status."""

from __future__ import annotations

import threading
import uuid

import pytest

from tokens_receiver import RevocationSet


@pytest.fixture
def revocations(clock) -> RevocationSet:
    return RevocationSet(
        max_staleness=10, max_token_lifetime=100, clock=clock, wall_clock=lambda: 5.0
    )


def test_a_revoked_session_is_kept_for_the_token_lifetime(revocations, clock):
    sid = str(uuid.uuid4())
    revocations.revoke(sid)
    clock.advance(99)
    assert revocations.is_revoked(sid)
    clock.advance(1)
    assert not revocations.is_revoked(sid)


def test_expired_entries_are_dropped_as_new_ones_arrive(revocations, clock):
    for _ in range(50):
        revocations.revoke(str(uuid.uuid4()))
    clock.advance(100)
    revocations.revoke(str(uuid.uuid4()))
    assert revocations.revoked_count == 1


def test_a_revoked_again_session_is_kept_from_the_last_time(revocations, clock):
    sid = str(uuid.uuid4())
    revocations.revoke(sid)
    clock.advance(60)
    revocations.revoke(sid)
    revocations.revoke(str(uuid.uuid4()))
    clock.advance(60)
    revocations.revoke(str(uuid.uuid4()))  # prunes what has expired
    assert revocations.is_revoked(sid)


def test_a_set_is_applied_once(revocations):
    assert revocations.first_time("a")
    assert not revocations.first_time("a")
    assert revocations.first_time("b")


def test_fresh_only_within_max_staleness_of_the_last_heard(revocations, clock):
    assert not revocations.fresh()  # never heard
    revocations.heard()
    assert revocations.fresh()
    clock.advance(10)
    assert revocations.fresh()
    clock.advance(0.5)
    assert not revocations.fresh()
    revocations.heard(clock() - 20)  # an older moment never moves it back
    assert not revocations.fresh()


def test_only_a_state_asked_for_marks_heard(revocations, clock):
    revocations.expect("s1", clock())
    clock.advance(5)
    assert not revocations.confirm("never-asked")
    assert not revocations.fresh()
    assert revocations.confirm("s1")
    assert revocations.last_heard == clock() - 5  # the moment of asking
    assert not revocations.confirm("s1")  # a state counts once


def test_only_the_latest_states_are_remembered(clock):
    revocations = RevocationSet(clock=clock, max_states=2)
    for state in ("a", "b", "c"):
        revocations.expect(state, clock())
    assert not revocations.confirm("a")
    assert revocations.confirm("c")


def test_a_stream_not_enabled_is_never_fresh(revocations):
    revocations.heard()
    revocations.set_status("paused")
    assert not revocations.fresh()
    revocations.set_status("enabled")
    assert revocations.fresh()
    assert revocations.known_since == 5.0
    with pytest.raises(ValueError):
        revocations.set_status("unknown")


def test_after_a_disabled_stream_knowledge_starts_again(clock):
    walls = iter([5.0, 70.0])
    revocations = RevocationSet(clock=clock, wall_clock=lambda: next(walls))
    revocations.set_status("disabled")
    assert revocations.known_since == 5.0
    revocations.set_status("enabled")
    assert revocations.known_since == 70.0


def test_readers_and_a_writer_at_once(revocations):
    sids = [str(uuid.uuid4()) for _ in range(2000)]
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for sid in sids:
                revocations.is_revoked(sid)
        except BaseException as exc:  # pragma: no cover - the failure itself
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for sid in sids:
        revocations.revoke(sid)
    for thread in readers:
        thread.join()
    assert not errors
    assert all(revocations.is_revoked(sid) for sid in sids)
