"""
``private_key_jwt`` client authentication (RFC 7523 §2.2 and §3, as OpenID
Connect Core §9 uses it): a resource server proves it is itself with a JWT it
signed with the private key of a public key it registered
(``ResourceServer.jwks``).

An assertion is accepted when:

- its header's ``alg`` is the one its key signs with (RS256, ES256 or EdDSA:
  the JWK's ``alg`` when it has one, never HMAC or ``none``), and the key is
  the one of the server's JWKS the header's ``kid`` names (no ``kid``: the
  only key);
- ``iss`` and ``sub`` are both the client ID of a resource server, which is
  active, and a ``client_id`` sent beside the assertion is the same;
- ``aud`` contains ``TOKENS["ISSUER"]`` or the absolute URL of the endpoint
  called (its path on ``TOKENS["PUBLIC_URL"]`` when set, else on the
  request's scheme and host; no query string);
- ``exp`` is present, not past, and at most ``MAX_LIFETIME`` ahead: a
  long-lived assertion is refused; ``nbf`` and ``iat``, when present, are not
  in the future (each with ``LEEWAY`` for clocks apart);
- its ``jti`` has not been seen before: a used ``jti`` is remembered in the
  revocation cache (``TOKENS["CACHE_ALIAS"]``, else the default cache) until
  the assertion expires, and a second use is refused. When the cache cannot
  answer, the assertion is refused (fail closed).

This module decides and says why (``AssertionRefused.reason``);
``tokens.resource_servers`` turns every refusal into the one
``invalid_client``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import jwt
from django.core.cache import DEFAULT_CACHE_ALIAS, caches

from tokens.app_settings import app_settings
from tokens.client_keys import jwks_key
from tokens.resource_server_model import ResourceServer

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
METHOD = "private_key_jwt"
MAX_LIFETIME = 300  # seconds an assertion may still have to live
LEEWAY = 30  # seconds of clock difference forgiven
MAX_JTI_LENGTH = 256
REPLAY_PREFIX = "tokens:client-assertion:"

logger = logging.getLogger(__name__)


class AssertionRefused(Exception):
    """The assertion does not authenticate; *reason* is for the log only."""

    def __init__(self, reason: str, client_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.client_id = client_id


def endpoint_url(request: Any) -> str:
    """The absolute URL of the endpoint *request* calls, as an ``aud``."""
    origin = app_settings.PUBLIC_URL
    if origin is not None:
        return str(origin).rstrip("/") + str(request.path)
    return str(request.build_absolute_uri(request.path))


def assertion_verify(
    request: Any, assertion: str, claimed_id: str | None
) -> ResourceServer:
    """
    Return the active resource server *assertion* authenticates, or raise
    AssertionRefused. *claimed_id* is the ``client_id`` sent beside it, if any.
    """
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AssertionRefused("malformed", claimed_id) from None
    issuer = unverified.get("iss") if isinstance(unverified, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise AssertionRefused("malformed", claimed_id)
    if claimed_id is not None and claimed_id != issuer:
        raise AssertionRefused("client_id_mismatch", claimed_id)
    server = ResourceServer.objects.filter(client_id=issuer).first()
    if server is None:
        raise AssertionRefused("unknown_client", issuer)
    key = jwks_key(server.jwks, header.get("kid"))
    if key is None:
        raise AssertionRefused("unknown_key", issuer)
    try:
        claims = jwt.decode(
            assertion,
            key.key,
            algorithms=[key.algorithm],
            audience=[str(app_settings.ISSUER), endpoint_url(request)],
            issuer=server.client_id,
            subject=server.client_id,
            leeway=LEEWAY,
            options={"require": ["exp", "aud", "iss", "sub", "jti"]},
        )
    except jwt.PyJWTError as exc:
        raise AssertionRefused(_reason(exc), issuer) from None
    now = time.time()
    exp = claims["exp"]
    if exp > now + MAX_LIFETIME + LEEWAY:
        raise AssertionRefused("long_lived", issuer)
    jti = claims["jti"]
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise AssertionRefused("bad_jti", issuer)
    if not server.is_active:
        raise AssertionRefused("inactive", issuer)
    # Last: only an assertion that holds in every other way uses up its jti.
    if not _first_use(server.client_id, jti, timeout=int(exp - now) + LEEWAY + 1):
        raise AssertionRefused("replayed", issuer)
    return server


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.InvalidSignatureError):
        return "bad_signature"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "bad_algorithm"
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "expired"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "bad_audience"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return "missing_claim"
    return "invalid_claims"


def replay_cache() -> Any:
    """The cache that remembers used ``jti`` values, shared by every process."""
    return caches[app_settings.CACHE_ALIAS or DEFAULT_CACHE_ALIAS]


def _first_use(client_id: str, jti: str, *, timeout: int) -> bool:
    digest = hashlib.sha256(f"{client_id}\x00{jti}".encode()).hexdigest()
    try:
        return bool(replay_cache().add(REPLAY_PREFIX + digest, 1, timeout=timeout))
    except Exception:  # any cache failure: no proof of a first use, refuse
        logger.warning("client assertion replay cache unavailable", exc_info=True)
        return False
