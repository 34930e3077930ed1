"""
The receiver's configuration: one dataclass, from code, a mapping or the
environment.

Every setting has the name of its field; in the environment it is prefixed
``TOKENS_RECEIVER_`` and upper-cased (``TOKENS_RECEIVER_ISSUER``), in a
mapping (Django's ``TOKENS_RECEIVER`` setting) any case is accepted. An
unknown name is an error, not ignored: a misspelt ``max_staleness`` would
otherwise leave the default in force without a word.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tokens_receiver.jose import DEFAULT_ALGORITHMS, pin_algorithms

ENV_PREFIX = "TOKENS_RECEIVER_"
SSF_CONFIGURATION_PATH = "/.well-known/ssf-configuration"


class ConfigurationError(ValueError):
    """The configuration cannot work, or discovery contradicts it."""


class DiscoveryUnavailable(ConfigurationError):
    """The transmitter's metadata could not be fetched: trying later may work."""


@dataclass(frozen=True)
class ReceiverConfig:
    """How to reach the transmitter, and how much staleness to tolerate."""

    issuer: str
    audience: str
    # The JWKS and the transmitter's endpoints: given, or discovered from the
    # SSF configuration (<site>/.well-known/ssf-configuration).
    jwks_url: str | None = None
    ssf_configuration_url: str | None = None
    poll_url: str | None = None
    verification_url: str | None = None
    # The resource server's credentials (HTTP Basic) and its stream.
    client_id: str | None = None
    client_secret: str | None = None
    stream_id: str | None = None
    # The ``aud`` of the stream's SETs; default: the stream configuration's
    # ``aud`` when discovered, else ``audience``.
    stream_audience: str | None = None
    mode: Literal["push", "poll"] = "poll"
    poll_interval: float = 5.0
    heartbeat: float = 10.0
    # Default: three poll intervals (poll) or three heartbeats (push).
    max_staleness: float | None = None
    max_token_lifetime: float = 86400.0
    # The exact Authorization header the transmitter sends with each push.
    push_authorization: str | None = None
    push_path: str = "/ssf/events"
    # Ask RFC 7662 introspection when the receiver cannot decide alone; the
    # endpoint is discovered from <site>/.well-known/oauth-authorization-server
    # unless given.
    introspection: bool = False
    introspection_url: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway: float = 10.0
    timeout: float = 10.0
    # Tokens issued before this process knew every revocation are refused (or
    # introspected): the revocations applied by a previous process are lost.
    refuse_tokens_before_start: bool = True

    def __post_init__(self) -> None:
        if self.mode not in ("push", "poll"):
            raise ConfigurationError(
                f"mode must be 'push' or 'poll', not {self.mode!r}"
            )
        if not self.issuer or not self.audience:
            raise ConfigurationError("issuer and audience are required")
        if not (self.jwks_url or self.ssf_configuration_url):
            raise ConfigurationError("jwks_url or ssf_configuration_url is required")
        if not (self.client_id and self.client_secret):
            raise ConfigurationError("client_id and client_secret are required")
        endpoint = self.poll_url if self.mode == "poll" else self.verification_url
        if not endpoint and not self.ssf_configuration_url:
            raise ConfigurationError(
                f"{self.mode} mode needs "
                f"{'poll_url' if self.mode == 'poll' else 'verification_url'} "
                "or ssf_configuration_url"
            )
        if not self.stream_id and (self.mode == "push" or not self.poll_url):
            raise ConfigurationError(f"{self.mode} mode needs a stream_id")
        if self.max_staleness is not None and self.max_staleness <= 0:
            raise ConfigurationError("max_staleness must be positive")
        for name in ("poll_interval", "heartbeat", "max_token_lifetime", "timeout"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{name} must be positive")
        try:
            pin_algorithms(self.algorithms)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None

    @property
    def staleness(self) -> float:
        """The staleness after which every token is refused."""
        if self.max_staleness is not None:
            return self.max_staleness
        return 3 * (self.poll_interval if self.mode == "poll" else self.heartbeat)

    @property
    def wants_introspection(self) -> bool:
        return self.introspection or self.introspection_url is not None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ReceiverConfig:
        """Build from names in any case; strings are converted to each type."""
        fields = {field.name: field for field in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = key.lower()
            if name not in fields:
                raise ConfigurationError(f"unknown receiver setting {key!r}")
            kwargs[name] = _convert(str(fields[name].type), value, key)
        try:
            return cls(**kwargs)
        except TypeError as exc:  # a required setting is missing
            raise ConfigurationError(str(exc)) from None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX
    ) -> ReceiverConfig:
        """Build from ``TOKENS_RECEIVER_*`` variables of *environ* (os.environ)."""
        environ = os.environ if environ is None else environ
        return cls.from_mapping(
            {
                name.removeprefix(prefix): value
                for name, value in environ.items()
                if name.startswith(prefix) and value != ""
            }
        )


def _convert(kind: str, value: Any, key: str) -> Any:
    if not isinstance(value, str):
        return tuple(value) if kind.startswith("tuple") else value
    try:
        if kind.startswith("float"):
            return float(value)
        if kind == "bool":
            lowered = value.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(value)
            return lowered in ("1", "true", "yes", "on")
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in value.split(",") if part.strip())
    except ValueError:
        raise ConfigurationError(f"{key}: cannot read {value!r} as {kind}") from None
    return value
