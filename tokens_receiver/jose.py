"""
The signature layer both kinds of token share: header rules and key lookup.

Keys come from the issuer's JWKS through PyJWT's ``PyJWKClient`` and its
cache (the set is fetched again after ``lifespan`` seconds, or at once, at
most every ``cooldown`` seconds, when a token names a ``kid`` it does not
hold: a rotated-in key is found without waiting for the cache to expire).

A key is chosen by ``kid`` only, and must be of an algorithm pinned by the
caller and equal to the token's ``alg``: ``none`` and an HMAC ``alg`` over a
public key (algorithm confusion) are refused before any signature check.
A header may not carry key material (``jwk``, ``jku``, ``x5u``, ``x5c``) nor
``crit``: this receiver trusts its configured JWKS and nothing a token brings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jwt

MAX_TOKEN_BYTES = 8 * 1024
FORBIDDEN_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c", "crit"})
DEFAULT_ALGORITHMS = ("RS256", "ES256", "EdDSA")
_ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    | {"ES256", "ES384", "ES512", "EdDSA"}
)


class JoseError(Exception):
    """The signature layer is not acceptable; ``reason`` is a short code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(Exception):
    """The JWKS could not be fetched: no decision is possible now."""


def pin_algorithms(algorithms: Iterable[str]) -> tuple[str, ...]:
    """Return *algorithms* if all are asymmetric; ValueError otherwise."""
    pinned = tuple(algorithms)
    if not pinned or not set(pinned) <= _ASYMMETRIC:
        # A JWKS is public: a key read from it can only verify an asymmetric
        # signature, so an HMAC or "none" here would be an algorithm-confusion
        # hole.
        raise ValueError(f"only asymmetric algorithms may be pinned: {pinned!r}")
    return pinned


def media_type(value: Any) -> str | None:
    """A ``typ`` value compared as RFC 7515 §4.1.9 says: case-insensitively,
    with ``application/`` optional."""
    if not isinstance(value, str):
        return None
    return value.lower().removeprefix("application/")


def read_header(token: str, algorithms: tuple[str, ...]) -> dict[str, Any]:
    """Return the unverified header of *token* once its rules hold."""
    if len(token) > MAX_TOKEN_BYTES or not token.isascii():
        raise JoseError("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise JoseError("malformed") from exc
    if FORBIDDEN_HEADERS & header.keys():
        raise JoseError("header")
    if header.get("alg") not in algorithms:
        raise JoseError("algorithm")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JoseError("no_kid")
    return header


class KeySource:
    """The issuer's public keys, by ``kid``, from its JWKS URL."""

    def __init__(
        self,
        jwks_url: str,
        *,
        lifespan: float = 300.0,
        cooldown: float = 30.0,
        timeout: float = 10.0,
    ) -> None:
        self.client = jwt.PyJWKClient(
            jwks_url,
            cache_jwk_set=True,
            lifespan=lifespan,
            cooldown_duration=cooldown,
            timeout=timeout,
        )

    def key_for(self, header: dict[str, Any]) -> jwt.PyJWK:
        """Return the key *header* names, of the algorithm it says."""
        try:
            key = self.client.get_signing_key(header["kid"])
        except jwt.PyJWKClientConnectionError as exc:
            raise KeysUnavailable(str(exc)) from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, jwt.PyJWKError) as exc:
            raise JoseError("unknown_key") from exc
        if key.algorithm_name != header["alg"]:
            raise JoseError("algorithm")
        return key
