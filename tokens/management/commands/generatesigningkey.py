"""
Print a new signing key for the key ring; never write it anywhere.

The output is the ``SIGNING_KEYS`` entry as JSON (the value to add to the
``JWT_KEYS`` environment variable, or to ``TOKENS["SIGNING_KEYS"]``) and the
rotation steps. Store the key in the deployment's secret store, not in the
repository.
"""

from __future__ import annotations

import json
import secrets
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
        entry = json.dumps(key_entry(algorithm, kid))
        if options["json"]:
            self.stdout.write(entry)
            return
        self.stdout.write(self.instructions(kid, entry))

    def instructions(self, kid: str, entry: str) -> str:
        current = json.dumps([e.get("kid") for e in app_settings.SIGNING_KEYS])
        return f"""\
# New signing key {kid!r}. It is a secret: keep it in your secret store,
# never in the repository. Current ring (kids only): {current}
#
# 1. Add it as verify-only: append this entry to the JWT_KEYS JSON list
#    (or TOKENS["SIGNING_KEYS"]), keep JWT_ACTIVE_KID on the current key, and
#    deploy everywhere. Tokens it signs will then verify in every process.
#    (Public keys appear in /.well-known/jwks.json: if other services verify
#    with it, wait its max-age, {JWKS_MAX_AGE} s, before step 2.)
{entry}
#
# 2. Promote it: set JWT_ACTIVE_KID={kid} and deploy. New tokens carry
#    kid={kid}; tokens signed by the old key still verify.
#
# 3. Retire the old key after the refresh token lifetime
#    ({app_settings.REFRESH_TOKEN_LIFETIME}) has passed since step 2:
#    remove its entry and deploy.
"""
