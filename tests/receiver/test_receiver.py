"""
The facade: configuration from code, a mapping or the environment; discovery
from the transmitter's metadata; a running receiver in poll mode, fresh,
refusing revoked sessions, going stale, falling back to introspection.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.receiver import keys
from tests.receiver.conftest import eventually
from tokens_receiver import ConfigurationError, Receiver, ReceiverConfig, TokenRefused
from tokens_receiver.discovery import discover

BASE = {
    "issuer": keys.ISSUER,
    "audience": keys.AUDIENCE,
    "jwks_url": "https://issuer.example/.well-known/jwks.json",
    "poll_url": "https://issuer.example/api/ssf/poll/s/",
    "client_id": "c",
    "client_secret": "s",
}


def test_from_env_reads_prefixed_variables_and_converts_them():
    environ = {
        "TOKENS_RECEIVER_ISSUER": keys.ISSUER,
        "TOKENS_RECEIVER_AUDIENCE": keys.AUDIENCE,
        "TOKENS_RECEIVER_SSF_CONFIGURATION_URL": "https://issuer.example/.well-known/ssf-configuration",
        "TOKENS_RECEIVER_CLIENT_ID": "c",
        "TOKENS_RECEIVER_CLIENT_SECRET": "s",
        "TOKENS_RECEIVER_STREAM_ID": "s1",
        "TOKENS_RECEIVER_MODE": "push",
        "TOKENS_RECEIVER_HEARTBEAT": "2.5",
        "TOKENS_RECEIVER_INTROSPECTION": "yes",
        "TOKENS_RECEIVER_ALGORITHMS": "ES256, EdDSA",
        "TOKENS_RECEIVER_PUSH_AUTHORIZATION": "",
        "OTHER": "ignored",
    }
    config = ReceiverConfig.from_env(environ)
    assert config.mode == "push"
    assert config.heartbeat == 2.5
    assert config.staleness == 7.5
    assert config.introspection is True
    assert config.algorithms == ("ES256", "EdDSA")
    assert config.push_authorization is None


def test_a_mapping_in_any_case():
    config = ReceiverConfig.from_mapping(
        {name.upper(): value for name, value in BASE.items()} | {"Poll_Interval": 2}
    )
    assert config.poll_interval == 2
    assert config.staleness == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_stalenes": 3}, "unknown receiver setting"),
        ({"introspection": "perhaps"}, "cannot read"),
        ({"mode": "carrier-pigeon"}, "mode"),
        ({"client_secret": ""}, "client_secret"),
        ({"poll_url": None}, "poll_url or ssf_configuration_url"),
        ({"jwks_url": None}, "jwks_url"),
        ({"algorithms": "HS256"}, "asymmetric"),
        ({"mode": "push"}, "verification_url"),
        ({"poll_interval": 0}, "positive"),
    ],
)
def test_a_configuration_that_cannot_work_is_refused(change, message):
    with pytest.raises(ConfigurationError, match=message):
        ReceiverConfig.from_mapping({**BASE, **change})


def test_a_missing_required_setting():
    with pytest.raises(ConfigurationError, match="audience"):
        ReceiverConfig.from_mapping({"issuer": keys.ISSUER})


def test_poll_mode_discovers_the_jwks_poll_url_and_stream_audience(
    make_config, transmitter
):
    endpoints = discover(make_config())
    assert endpoints.jwks_url == f"{transmitter.url}/.well-known/jwks.json"
    assert endpoints.poll_url == f"{transmitter.url}/api/ssf/poll/{keys.STREAM_ID}/"
    assert endpoints.set_audience == keys.STREAM_AUDIENCE
    assert endpoints.introspection_url is None


def test_push_mode_discovers_the_verification_endpoint(make_config, transmitter):
    transmitter.push_url = "http://127.0.0.1:9/push"
    endpoints = discover(make_config(mode="push", introspection=True))
    assert endpoints.verification_url == f"{transmitter.url}/api/ssf/verify/"
    assert endpoints.introspection_url == f"{transmitter.url}/api/auth/introspect/"
    assert endpoints.poll_url is None


def test_a_poll_receiver_of_a_push_stream_is_a_configuration_error(
    make_config, transmitter
):
    transmitter.push_url = "http://127.0.0.1:9/push"
    with pytest.raises(ConfigurationError, match="poll"):
        discover(make_config())


def test_metadata_of_another_issuer_is_refused(make_config):
    with pytest.raises(ConfigurationError, match="issuer"):
        discover(make_config(issuer="https://other.example"))


def test_an_unreachable_configuration_is_an_error(make_config):
    config = make_config(ssf_configuration_url="http://127.0.0.1:9/.well-known/x")
    with pytest.raises(ConfigurationError, match="cannot read"):
        Receiver(config).start()


def test_nothing_is_accepted_before_start(make_receiver, key):
    receiver = make_receiver()
    with pytest.raises(TokenRefused, match="stale"):
        receiver.verify(keys.access_token(key))
    assert receiver.handle_push(b"", "", None)[0] == 503


def test_a_running_receiver_refuses_a_session_revoked_after_a_poll(
    make_receiver, transmitter, key
):
    sid = str(uuid.uuid4())
    token = keys.access_token(key, sid)
    with make_receiver() as receiver:
        assert receiver.wait_fresh(10)
        assert receiver.verify(token)["sid"] == sid
        transmitter.revoke(sid)

        def refused() -> bool:
            try:
                receiver.verify(token)
            except TokenRefused as exc:
                return exc.reason == "revoked"
            return False

        eventually(refused, "the revocation to be polled")
        assert receiver.verify(keys.access_token(key))


def test_a_failing_poll_refuses_every_token_once_stale(
    make_receiver, transmitter, clock, key
):
    token = keys.access_token(key)
    with make_receiver(max_staleness=30) as receiver:
        assert receiver.wait_fresh(10)
        transmitter.fail_poll = True
        eventually(lambda: transmitter.failed_polls, "a failed poll")
        clock.advance(31)
        with pytest.raises(TokenRefused) as refused:
            receiver.verify(token)
        assert refused.value.reason == "stale"
        transmitter.fail_poll = False
        eventually(receiver.fresh, "an answer again")
        assert receiver.verify(token)


def test_stale_with_introspection_asks_the_issuer(
    make_receiver, transmitter, clock, key
):
    live, dead = keys.access_token(key), keys.access_token(key)
    transmitter.introspect = lambda token: token == live
    with make_receiver(max_staleness=30, introspection=True) as receiver:
        assert receiver.wait_fresh(10)
        transmitter.fail_poll = True
        eventually(lambda: transmitter.failed_polls, "a failed poll")
        clock.advance(31)
        assert receiver.verify(live)
        with pytest.raises(TokenRefused, match="inactive"):
            receiver.verify(dead)


def test_tokens_issued_before_the_start_are_refused_by_default(
    make_receiver, transmitter, key
):
    old = keys.sign(key, keys.access_claims(iat=int(time.time()) - 5), typ="at+jwt")
    with make_receiver(refuse_tokens_before_start=True) as receiver:
        assert receiver.wait_fresh(10)
        with pytest.raises(TokenRefused, match="before_start"):
            receiver.verify(old)
    with make_receiver(refuse_tokens_before_start=True, introspection=True) as receiver:
        assert receiver.wait_fresh(10)
        assert receiver.verify(old)
        assert transmitter.introspected == [old]


def test_a_credential_change_reaches_the_callback(transmitter, make_config, clock):
    changes: list[str] = []
    receiver = Receiver(
        make_config(), on_credential_change=lambda sub, fields: changes.append(sub)
    )
    claims = keys.set_claims(
        keys.CREDENTIAL_CHANGE,
        {"format": "opaque", "id": "42"},
        {"credential_type": "password", "change_type": "update"},
    )
    transmitter.send(claims)
    with receiver:
        eventually(lambda: changes, "the callback")
    assert changes == ["42"]
