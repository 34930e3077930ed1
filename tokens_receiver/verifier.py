"""
Verify an access token of the issuer, then ask what the receiver knows of it.

The signature and claims are checked with PyJWT against the issuer's JWKS;
the token must be an access token (``token_type`` "access", and ``typ``
``at+jwt`` when present: a refresh token, or a SET, is never accepted as one)
of our issuer and audience, carrying every claim the issuer mints.

Then the revocation set decides: a revoked session is refused; when the set is
stale, or the token was issued before the set knows everything (see
``revocations``), nothing it holds can vouch for the token, so the token is
refused, or, with an introspection fallback, the issuer is asked.

Every refusal is a ``TokenRefused`` whose ``reason`` is a short code.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt

from tokens_receiver.errors import TokenRefused
from tokens_receiver.introspection import Introspection, IntrospectionError
from tokens_receiver.jose import (
    DEFAULT_ALGORITHMS,
    JoseError,
    KeySource,
    KeysUnavailable,
    media_type,
    pin_algorithms,
    read_header,
)
from tokens_receiver.revocations import RevocationSet

logger = logging.getLogger("tokens_receiver")

REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "sid", "jti")
ACCESS_TYPE = "at+jwt"
MAX_CLAIM_LENGTH = 255

# PyJWT's exceptions, most specific first, as reason codes.
_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "audience"),
    (jwt.InvalidIssuerError, "issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidSignatureError, "signature"),
    (jwt.InvalidAlgorithmError, "algorithm"),
)


def _reason(exc: jwt.InvalidTokenError) -> str:
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return "invalid"


def _is_short_string(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_CLAIM_LENGTH


class Verifier:
    """Accept an access token of *issuer* for *audience*, or refuse it."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str | KeySource,
        revocations: RevocationSet,
        algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS,
        leeway: float = 10.0,
        introspection: Introspection | None = None,
    ) -> None:
        """*jwks_url* may be a ``KeySource`` shared with the SET verifier."""
        self.issuer = issuer
        self.audience = audience
        self.keys = jwks_url if isinstance(jwks_url, KeySource) else KeySource(jwks_url)
        self.revocations = revocations
        self.algorithms = pin_algorithms(algorithms)
        self.leeway = leeway
        self.introspection = introspection

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of *token*; ``TokenRefused`` if it is not accepted."""
        claims = self.signed_claims(token)
        self._check_knowledge(token, claims)
        return claims

    def signed_claims(self, token: str) -> dict[str, Any]:
        """Return the claims once signature and claims are valid (no revocation)."""
        try:
            header = read_header(token, self.algorithms)
            if "typ" in header and media_type(header["typ"]) != ACCESS_TYPE:
                raise JoseError("type")
            key = self.keys.key_for(header)
        except JoseError as exc:
            raise TokenRefused(exc.reason) from None
        except KeysUnavailable:
            logger.warning("token refused: the JWKS could not be fetched")
            raise TokenRefused("jwks_unavailable") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "strict_aud": True},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(_reason(exc)) from None
        if claims.get("token_type") != "access":
            raise TokenRefused("token_type")
        if not all(_is_short_string(claims[name]) for name in ("sub", "sid", "jti")):
            raise TokenRefused("claims")
        return claims

    def _check_knowledge(self, token: str, claims: dict[str, Any]) -> None:
        # A known revocation refuses even when the rest of the knowledge is old.
        if self.revocations.is_revoked(claims["sid"]):
            raise TokenRefused("revoked")
        if not self.revocations.fresh():
            self._fall_back(token, claims, "stale")
        elif claims["iat"] < self.revocations.known_since:
            self._fall_back(token, claims, "before_start")

    def _fall_back(self, token: str, claims: dict[str, Any], reason: str) -> None:
        """Ask introspection, if configured, what the set cannot answer."""
        if self.introspection is None:
            raise TokenRefused(reason)
        try:
            active = self.introspection.active(token, claims)
        except IntrospectionError as exc:
            logger.warning("token refused: introspection failed: %s", exc)
            raise TokenRefused("introspection_failed") from None
        if not active:
            raise TokenRefused("inactive")
