"""
The verified-token memory: the same bytes, verified again, give the same answer.

A token verified once is answered from memory until it expires, as long as the
keys and settings it was checked against stay: the memory belongs to the key
ring (``tokens.signing.keys``), which is built again when they change. Only
typed access tokens with flat claims are remembered; only ``exp`` is checked
again on a hit. The memory decides nothing about revocation: the session is
checked on every request all the same. The token's SHA-256 is kept, never the
token; first in, first out, ``VERIFIED_TOKENS_CACHE`` entries at most.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tokens.app_settings import app_settings


class VerifiedTokens:
    """
    Claims of the tokens this process has verified, by the token's SHA-256.

    Verifying the same bytes again gives the same answer until the token
    expires, as long as the keys and settings it was checked against stay: the
    key ring that holds this is rebuilt when they change. A hit skips parsing,
    the signature and the claim checks (the bulk of an authenticated request's
    CPU, bench/notes.md); only ``exp`` is checked again. It decides nothing
    about revocation: the session is checked on every request all the same.
    The digest is kept, never the token. First in, first out, *size* at most.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        # digest -> (claims, the moment exp passes, leeway included)
        self.entries: dict[bytes, tuple[dict[str, Any], float]] = {}

    def get(self, digest: bytes) -> dict[str, Any] | None:
        entry = self.entries.get(digest)
        if entry is None:
            return None
        claims, expires = entry
        if time.time() >= expires:
            self.entries.pop(digest, None)
            return None
        # A copy: SimpleJWT's token API lets a caller change its payload.
        return dict(claims)

    def add(
        self, digest: bytes, header: dict[str, Any], claims: dict[str, Any]
    ) -> None:
        if self.size <= 0 or not _rememberable(header, claims):
            return
        expires = claims["exp"] + app_settings.LEEWAY.total_seconds()
        # Reads need no lock (one dict operation each); of two threads adding,
        # one must not iterate while the other changes the dict.
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.pop(next(iter(self.entries)), None)
            self.entries[digest] = (dict(claims), expires)


_SCALARS = (str, int, float, bool, type(None))


def _rememberable(header: dict[str, Any], claims: dict[str, Any]) -> bool:
    # An access token: a refresh token is used once. Typed: an untyped one is
    # accepted only until a date, so it is checked in full every time. Flat:
    # the copy a hit returns is shallow, and a caller may change what it gets.
    return (
        claims.get("token_type") == "access"
        and "typ" in header
        and all(type(value) in _SCALARS for value in claims.values())
    )
