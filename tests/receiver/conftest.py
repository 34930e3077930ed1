"""Fixtures of the receiver's tests: keys, a fake transmitter, a fake clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.receiver import keys
from tests.receiver.transmitter import Transmitter
from tokens_receiver import Receiver, ReceiverConfig

DEADLINE = 10.0  # seconds: a guard against a hang, never a timing threshold


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def eventually(condition: Callable[[], Any], what: str = "condition") -> Any:
    """Wait for *condition* to hold, failing after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(scope="session")
def signing_keys() -> dict[str, keys.Key]:
    return keys.make_keys()


@pytest.fixture
def key(signing_keys) -> keys.Key:
    return signing_keys["ES256"]


@pytest.fixture
def transmitter(signing_keys, key) -> Iterator[Transmitter]:
    transmitter = Transmitter(signing_keys, key).start()
    yield transmitter
    transmitter.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_config(transmitter) -> Callable[..., ReceiverConfig]:
    def make(**overrides: Any) -> ReceiverConfig:
        values: dict[str, Any] = {
            "issuer": keys.ISSUER,
            "audience": keys.AUDIENCE,
            "ssf_configuration_url": f"{transmitter.url}/.well-known/ssf-configuration",
            "client_id": keys.CLIENT_ID,
            "client_secret": keys.CLIENT_SECRET,
            "stream_id": keys.STREAM_ID,
            "poll_interval": 0.05,
            "heartbeat": 0.05,
            # Tokens here are minted within the second the receiver starts:
            # the tests of tokens issued before the start set this back.
            "refuse_tokens_before_start": False,
            **overrides,
        }
        # SETs are addressed to the stream's audience; tokens to the API's.
        return ReceiverConfig(**values)

    return make


@pytest.fixture
def make_receiver(make_config, clock) -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(**overrides: Any) -> Receiver:
        receiver = Receiver(make_config(**overrides), clock=clock)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.stop()
