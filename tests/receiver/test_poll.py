"""
RFC 8936 poll against the fake transmitter: SETs applied and acknowledged,
bad ones reported, freshness only from complete answers, staleness when the
poll endpoint fails.
"""

from __future__ import annotations

import uuid

import pytest

from tests.receiver import keys
from tests.receiver.conftest import eventually
from tokens_receiver import RevocationSet
from tokens_receiver.jose import KeySource
from tokens_receiver.poll import Poller, PollError
from tokens_receiver.sets import SetProcessor


@pytest.fixture
def revocations(clock) -> RevocationSet:
    return RevocationSet(max_staleness=15, clock=clock, known_since=0.0)


@pytest.fixture
def poller(transmitter, revocations) -> Poller:
    processor = SetProcessor(
        keys.ISSUER,
        keys.STREAM_AUDIENCE,
        KeySource(f"{transmitter.url}/.well-known/jwks.json"),
        revocations,
        stream_id=keys.STREAM_ID,
    )
    return Poller(
        f"{transmitter.url}/api/ssf/poll/{keys.STREAM_ID}/",
        keys.CLIENT_ID,
        keys.CLIENT_SECRET,
        processor,
        revocations,
        interval=0.01,
        max_events=2,
    )


def test_an_empty_answer_is_heard(poller, revocations):
    assert not revocations.fresh()
    assert poller.poll_once() is False
    assert revocations.fresh()


def test_a_revoked_session_is_applied_then_acknowledged(
    poller, transmitter, revocations
):
    sid = str(uuid.uuid4())
    jti = transmitter.revoke(sid)
    poller.poll_once()
    assert revocations.is_revoked(sid)
    assert transmitter.outstanding  # not acknowledged until the next request
    poller.poll_once()
    assert transmitter.acks == [jti]
    assert not transmitter.outstanding
    assert transmitter.polls[0] == {
        "maxEvents": 2,
        "returnImmediately": True,
        "ack": [],
    }


def test_a_set_handed_out_twice_is_applied_once(poller, transmitter, revocations):
    sid = str(uuid.uuid4())
    jti = transmitter.revoke(sid)
    poller.poll_once()
    poller._acks.clear()  # the ack is lost: the transmitter hands it out again
    poller.poll_once()
    assert revocations.revoked_count == 1
    poller.poll_once()
    assert transmitter.acks == [jti]


def test_a_bad_set_is_reported_not_acknowledged(poller, transmitter, revocations):
    claims = keys.revoked_claims(str(uuid.uuid4()), iss="https://other.example")
    transmitter.send(claims)
    poller.poll_once()
    poller.poll_once()
    assert transmitter.set_errs == {
        claims["jti"]: {
            "err": "invalid_issuer",
            "description": "the SET is not from the expected issuer",
        }
    }
    assert transmitter.acks == []
    assert revocations.fresh()  # refused for good: nothing is left behind


def test_more_available_is_not_yet_heard(poller, transmitter, revocations):
    sids = [str(uuid.uuid4()) for _ in range(3)]
    for sid in sids:
        transmitter.revoke(sid)
    assert poller.poll_once() is True  # two of three
    assert not revocations.fresh()
    assert poller.poll_once() is False
    assert revocations.fresh()
    assert all(revocations.is_revoked(sid) for sid in sids)


def test_unreachable_keys_leave_the_set_to_be_handed_out_again(
    poller, transmitter, revocations
):
    sid = str(uuid.uuid4())
    transmitter.revoke(sid)
    transmitter.jwks_down = True
    poller.poll_once()
    assert not revocations.fresh()
    transmitter.jwks_down = False
    poller.poll_once()
    assert revocations.is_revoked(sid)
    poller.poll_once()
    assert not transmitter.outstanding and not transmitter.set_errs


def test_a_failing_poll_endpoint_goes_stale(poller, transmitter, revocations, clock):
    poller.poll_once()
    transmitter.fail_poll = True
    clock.advance(10)
    with pytest.raises(PollError):
        poller.poll_once()
    assert revocations.fresh()
    clock.advance(10)
    assert not revocations.fresh()


def test_acks_survive_a_failed_request(poller, transmitter):
    jti = transmitter.revoke(str(uuid.uuid4()))
    poller.poll_once()
    transmitter.fail_poll = True
    with pytest.raises(PollError):
        poller.poll_once()
    transmitter.fail_poll = False
    poller.poll_once()
    assert transmitter.acks == [jti]


def test_wrong_credentials_fail(poller, transmitter, revocations):
    poller._authorization = "Basic d3Jvbmc6d3Jvbmc="
    with pytest.raises(PollError, match="401"):
        poller.poll_once()
    assert not revocations.fresh()


def test_the_thread_polls_until_stopped(poller, transmitter, revocations):
    sid = str(uuid.uuid4())
    poller.start()
    try:
        eventually(revocations.fresh, "a first answer")
        jti = transmitter.revoke(sid)
        eventually(lambda: revocations.is_revoked(sid), "the revocation")
        eventually(lambda: jti in transmitter.acks, "the ack")
    finally:
        poller.stop()
        poller.join(timeout=5)
    assert not poller.is_alive()


def test_the_thread_outlives_failures(poller, transmitter, revocations):
    transmitter.fail_poll = True
    poller.start()
    try:
        eventually(lambda: transmitter.failed_polls >= 2, "failed polls")
        transmitter.fail_poll = False
        eventually(revocations.fresh, "an answer after failures")
    finally:
        poller.stop()
        poller.join(timeout=5)
