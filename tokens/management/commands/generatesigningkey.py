"""
Print a new signing key for the key ring; never write it anywhere.

The output is the complete next key ring: every key of the current ring,
unchanged, followed by the new one, as the JSON value of the ``JWT_KEYS``
environment variable (or of ``TOKENS["SIGNING_KEYS"]``), with the rotation
steps. Following them cannot drop the live key: the project's default ring
comes from ``JWT_SIGNING_KEY`` while ``JWT_KEYS`` is unset, so a ``JWT_KEYS``
holding only the new entry would end every session at once. ``--json`` prints
the new entry alone, for scripts. Store the keys in the deployment's secret
store, not in the repository.
"""

from __future__ import annotations

import json
import secrets
import shlex
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tokens.app_settings import app_settings
from tokens.jwks import JWKS_MAX_AGE

HMAC_SECRET_BYTES = 64
RSA_KEY_BITS = 3072
ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")


def generate_private_key(algorithm: str) -> Any:
    """Return a new private key object for an asymmetric *algorithm*."""
    # Imported here: HMAC keys need no cryptography package (an optional extra).
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def _pem(key: Any) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization

    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def key_entry(algorithm: str, kid: str) -> dict[str, str]:
    """Return a new ``SIGNING_KEYS`` entry for *algorithm* named *kid*."""
    if algorithm == "HS256":
        secret = secrets.token_urlsafe(HMAC_SECRET_BYTES)
        return {"kid": kid, "algorithm": algorithm, "secret": secret}
    private, public = _pem(generate_private_key(algorithm))
    return {
        "kid": kid,
        "algorithm": algorithm,
        "private_key": private,
        "public_key": public,
    }


def default_kid() -> str:
    """Return a kid that sorts by date and does not collide: ``k20261122-1a2b3c``."""
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"


class Command(BaseCommand):
    # It is how a site gets its first key: the checks would refuse the empty
    # ring it is run to fill.
    requires_system_checks: list[str] = []
    help = (
        "Print a new signing key for TOKENS['SIGNING_KEYS'] (JWT_KEYS) and the "
        "zero-downtime rotation steps. Nothing is written to disk."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--algorithm", choices=ALGORITHMS, default="HS256")
        parser.add_argument("--kid", help="Key id (default: date and random suffix).")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print only the key entry as one line of JSON (for scripts).",
        )

    def handle(self, *args: Any, algorithm: str, kid: str | None, **options: Any):
        kid = kid or default_kid()
        if any(entry.get("kid") == kid for entry in app_settings.SIGNING_KEYS):
            raise CommandError(f"kid {kid!r} is already in the key ring.")
        entry = key_entry(algorithm, kid)
        if options["json"]:
            self.stdout.write(json.dumps(entry))
            return
        self.stdout.write(self.instructions(entry))

    def instructions(self, entry: dict[str, str]) -> str:
        ring = [dict(current) for current in app_settings.SIGNING_KEYS]
        if not ring:
            return first_key_instructions(entry)
        active = app_settings.ACTIVE_KID or ring[0].get("kid")
        return rotation_instructions(entry, ring, str(active))


def first_key_instructions(entry: dict[str, str]) -> str:
    """Return the steps that install *entry* as the first key of an empty ring."""
    ring = json.dumps([entry])
    return f"""\
# New signing key {entry["kid"]!r}, the first of an empty key ring. It is a
# secret: keep it in your secret store, never in the repository.
#
# In settings.py (read it from your secret store or the environment):
#   TOKENS["SIGNING_KEYS"] = {ring}
# Or, in this project's configuration (config/settings.py), the environment:
JWT_KEYS={shlex.quote(ring)}
"""


def rotation_instructions(
    entry: dict[str, str], ring: list[dict[str, Any]], active: str
) -> str:
    """Return the zero-downtime steps that rotate from *active* to *entry*."""
    kid = entry["kid"]
    next_ring = json.dumps([*ring, entry])
    retired = json.dumps([*(e for e in ring if e.get("kid") != active), entry])
    return f"""\
# New signing key {kid!r}. These lines hold secrets (the new key and the
# current ones): keep them in your secret store, never in the repository.
#
# Each step is given twice: as TOKENS settings for any site, then as the
# environment variables this project's config/settings.py reads (JWT_KEYS is
# TOKENS["SIGNING_KEYS"], JWT_ACTIVE_KID is TOKENS["ACTIVE_KID"]; JWT_KEYS,
# once set, replaces JWT_SIGNING_KEY).
#
# 1. Add it as verify-only, everywhere, and deploy. The ring is the current
#    keys, unchanged, then the new one. The active key stays {active!r}.
#    (Public keys appear in /.well-known/jwks.json: if other services verify
#    with them, wait its max-age, {JWKS_MAX_AGE} s, before step 2.)
#      TOKENS["SIGNING_KEYS"] = {next_ring}
#      TOKENS["ACTIVE_KID"] = {active!r}
JWT_KEYS={shlex.quote(next_ring)}
JWT_ACTIVE_KID={active}
#
# 2. Promote it and deploy. New tokens carry kid={kid}; tokens signed by
#    {active!r} still verify.
#      TOKENS["ACTIVE_KID"] = {kid!r}
JWT_ACTIVE_KID={kid}
#
# 3. Retire {active!r} once the refresh token lifetime
#    ({app_settings.REFRESH_TOKEN_LIFETIME}) has passed since step 2:
#      TOKENS["SIGNING_KEYS"] = {retired}
JWT_KEYS={shlex.quote(retired)}
#
# The new entry alone:
{json.dumps(entry)}
"""
