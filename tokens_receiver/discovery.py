"""
Find the transmitter's endpoints from its metadata, where not configured.

The SSF configuration (SSF 1.0 §7.1) names the JWKS and the verification
endpoint; our stream's configuration, read from its ``configuration_endpoint``,
gives the poll URL (``delivery.endpoint_url``) and the ``aud`` its SETs carry
(the stream's audience, not the access tokens'); the introspection endpoint
is in the site's RFC 8414 metadata. Each document must name the configured issuer: a
configuration URL pointing at another site fails here, loudly, rather than
yield keys nobody meant to trust.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from tokens_receiver import transport
from tokens_receiver.config import (
    ConfigurationError,
    DiscoveryUnavailable,
    ReceiverConfig,
)

POLL_METHOD = "urn:ietf:rfc:8936"
OAUTH_METADATA_PATH = "/.well-known/oauth-authorization-server"


@dataclass(frozen=True)
class Endpoints:
    jwks_url: str
    poll_url: str | None
    verification_url: str | None
    introspection_url: str | None
    # The ``aud`` of our stream's SETs: one, or any of several.
    set_audience: str | tuple[str, ...]


def _document(
    url: str, config: ReceiverConfig, authorization: str | None = None
) -> Any:
    try:
        return transport.get_json(
            url, authorization=authorization, timeout=config.timeout
        )
    except transport.TransportError as exc:
        raise DiscoveryUnavailable(f"cannot read {url}: {exc}") from exc


def _metadata(url: str, config: ReceiverConfig) -> dict[str, Any]:
    document = _document(url, config)
    if not isinstance(document, dict):
        raise ConfigurationError(f"{url} is not a JSON object")
    if document.get("issuer", config.issuer) != config.issuer:
        raise ConfigurationError(
            f"{url} names the issuer {document.get('issuer')!r}, not {config.issuer!r}"
        )
    return document


def _endpoint(document: dict[str, Any], name: str, url: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{url} has no {name}")
    return transport.check_url(urllib.parse.urljoin(url, value))


def _stream(configuration_endpoint: str, config: ReceiverConfig) -> dict[str, Any]:
    """Return our stream's configuration (SSF 1.0 §8.1.1.2, read with our id)."""
    query = urllib.parse.urlencode({"stream_id": config.stream_id or ""})
    separator = "&" if "?" in configuration_endpoint else "?"
    authorization = transport.basic_auth(
        config.client_id or "", config.client_secret or ""
    )
    url = f"{configuration_endpoint}{separator}{query}"
    document = _document(url, config, authorization)
    for stream in document if isinstance(document, list) else [document]:
        if isinstance(stream, dict) and stream.get("stream_id") in (
            None,
            config.stream_id,
        ):
            return stream
    raise ConfigurationError(
        f"{configuration_endpoint} has no stream {config.stream_id!r}"
    )


def _poll_url(stream: dict[str, Any], configuration_endpoint: str) -> str:
    delivery = stream.get("delivery")
    if isinstance(delivery, dict) and delivery.get("method") == POLL_METHOD:
        return _endpoint(delivery, "endpoint_url", configuration_endpoint)
    raise ConfigurationError("the stream is not delivered by poll")


def _audience(stream: dict[str, Any]) -> str | tuple[str, ...] | None:
    aud = stream.get("aud")
    if isinstance(aud, str):
        return aud
    if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        return tuple(aud)
    return None


def discover(config: ReceiverConfig) -> Endpoints:
    """Return every endpoint *config* needs, asking the transmitter for the rest."""
    jwks_url = config.jwks_url
    poll_url, verification_url = config.poll_url, config.verification_url
    set_audience: str | tuple[str, ...] | None = config.stream_audience
    ssf_url = config.ssf_configuration_url
    missing = not jwks_url or set_audience is None
    missing |= config.mode == "poll" and not poll_url
    missing |= config.mode == "push" and not verification_url
    if ssf_url and missing:
        ssf = _metadata(ssf_url, config)
        jwks_url = jwks_url or _endpoint(ssf, "jwks_uri", ssf_url)
        if config.mode == "push" and not verification_url:
            verification_url = _endpoint(ssf, "verification_endpoint", ssf_url)
        if (config.mode == "poll" and not poll_url) or set_audience is None:
            streams = _endpoint(ssf, "configuration_endpoint", ssf_url)
            stream = _stream(streams, config)
            if config.mode == "poll" and not poll_url:
                poll_url = _poll_url(stream, streams)
            if set_audience is None:
                set_audience = _audience(stream)
    introspection_url = config.introspection_url
    if config.introspection and not introspection_url:
        base = ssf_url or jwks_url or ""
        metadata_url = urllib.parse.urljoin(base, OAUTH_METADATA_PATH)
        metadata = _metadata(metadata_url, config)
        introspection_url = _endpoint(metadata, "introspection_endpoint", metadata_url)
    assert jwks_url is not None  # ReceiverConfig requires it or ssf_url
    return Endpoints(
        transport.check_url(jwks_url),
        poll_url,
        verification_url,
        introspection_url,
        set_audience or config.audience,
    )
