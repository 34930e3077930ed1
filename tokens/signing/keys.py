"""
The key ring: sign with one active key, verify with the key a token's ``kid`` names.

Keys are chosen by ``kid`` only, never by trying them in turn, and each key
allows exactly one algorithm (RFC 8725 §3.1, §3.2): an HMAC secret, or an RSA,
EC or EdDSA key pair, of ``SUPPORTED_ALGORITHMS``. A private key given as the
public one is reduced to its public half, so it never reaches the JWKS.

The ring is built once per process from ``SIGNING_KEYS`` and ``ACTIVE_KID``, and
built again when ``TOKENS`` or ``SIMPLE_JWT`` change: the tokens it remembers as
verified against the old keys and settings (``tokens.signing.memory``) go with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt
from django.core.signals import setting_changed
from django.dispatch import receiver
from jwt.algorithms import get_default_algorithms

from tokens.app_settings import app_settings
from tokens.signing.memory import VerifiedTokens

HMAC_DIGESTS = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}
HMAC_ALGORITHMS = frozenset(HMAC_DIGESTS)
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA"}
)
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    signing_key: Any
    verifying_key: Any

    @property
    def is_symmetric(self) -> bool:
        return self.algorithm in HMAC_ALGORITHMS

    def public_jwk(self) -> dict[str, Any] | None:
        """Return the public key as a JWK, or None for a shared secret."""
        if self.is_symmetric:
            return None
        algorithm = get_default_algorithms()[self.algorithm]
        jwk = algorithm.to_jwk(self.verifying_key, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def build_key(entry: dict[str, Any]) -> SigningKey:
    """Turn one ``SIGNING_KEYS`` entry into a prepared key (ValueError if invalid)."""
    kid, algorithm = entry.get("kid"), entry.get("algorithm", "HS256")
    if not isinstance(kid, str) or not kid:
        raise ValueError("every key needs a non-empty string 'kid'")
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"key {kid!r}: unsupported algorithm {algorithm!r}")
    try:
        return _prepare_key(kid, algorithm, entry)
    except jwt.InvalidKeyError as exc:
        # PyJWT refuses, among others, a PEM key used as an HMAC secret.
        raise ValueError(f"key {kid!r}: {exc}") from exc


def _prepare_key(kid: str, algorithm: str, entry: dict[str, Any]) -> SigningKey:
    algorithms = get_default_algorithms()
    if algorithm not in algorithms:
        # PyJWT offers RSA, EC and EdDSA only with cryptography installed.
        raise ValueError(f"key {kid!r}: {algorithm} needs the cryptography package")
    alg = algorithms[algorithm]
    if algorithm in HMAC_ALGORITHMS:
        secret = alg.prepare_key(entry.get("secret") or "")
        return SigningKey(kid, algorithm, secret, secret)
    private = entry.get("private_key")
    public = entry.get("public_key")
    if not private and not public:
        raise ValueError(f"key {kid!r}: needs 'private_key' and/or 'public_key'")
    signing = alg.prepare_key(private) if private else None
    # Without a public key there is a private one, so signing is set.
    verifying = alg.prepare_key(public) if public else signing.public_key()  # type: ignore[union-attr]
    if hasattr(verifying, "private_bytes"):
        # A private key given as 'public_key' must never reach the JWKS.
        verifying = verifying.public_key()
    return SigningKey(kid, algorithm, signing, verifying)


class KeyRing:
    def __init__(self, keys: list[SigningKey], active_kid: str | None) -> None:
        self.keys = {key.kid: key for key in keys}
        first = keys[0] if keys else None
        self.active = self.keys[active_kid] if active_kid else first
        self.verified = VerifiedTokens(app_settings.VERIFIED_TOKENS_CACHE)

    @classmethod
    def from_settings(cls) -> KeyRing:
        keys = [build_key(entry) for entry in app_settings.SIGNING_KEYS]
        return cls(keys, app_settings.ACTIVE_KID)

    def get(self, kid: Any) -> SigningKey | None:
        return self.keys.get(kid) if isinstance(kid, str) else None

    @cached_property
    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """Return the ring's public keys as a JWK Set (RFC 7517 §5)."""
        public = (key.public_jwk() for key in self.keys.values())
        return {"keys": [jwk for jwk in public if jwk is not None]}


_key_ring: KeyRing | None = None


def get_key_ring() -> KeyRing:
    """Return the key ring, built once per process from the settings."""
    global _key_ring
    if _key_ring is None:
        _key_ring = KeyRing.from_settings()
    return _key_ring


@receiver(setting_changed)
def _reset_key_ring(*, setting: str, **kwargs: Any) -> None:
    global _key_ring
    # SIMPLE_JWT: where TOKENS sets no issuer, audience or leeway, they come
    # from there, and the ring's verified tokens were checked against them.
    if setting in ("TOKENS", "SIMPLE_JWT"):
        _key_ring = None
