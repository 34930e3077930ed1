"""
Token classes: SimpleJWT's ``Token`` bound to a session and the key ring.

Every token carries ``sid`` (its session), a unique ``jti``, ``sub`` (the user's
primary key as a string), ``token_type``, ``iat``/``nbf``/``exp``, ``iss`` and
``aud``. Verification pins the key by ``kid`` and its one algorithm, requires
every claim, and checks each claim's type (``tokens.signed``).

SimpleJWT's public token API works here with sessions underneath:
``RefreshToken.for_user(user)`` starts a session, ``.access_token`` mints an
access token of that session, ``token["claim"] = value`` adds a custom claim to
every token of the session (stored on the session, so rotation keeps it), and
``RefreshToken(raw).blacklist()`` revokes the session.

These classes sit on the services, which use ``tokens.signed`` alone: the
services are imported on first use, so importing this module loads no model.
"""

from __future__ import annotations

from typing import Any, Self

from django.utils import timezone

from tokens.claims import (
    MAX_CLAIM_LENGTH,
    RESERVED_CLAIMS,
    ReservedClaimError,
    canonical_claims,
    check_custom,
    reserved_claims,
)
from tokens.signed import (
    SignedAccessToken,
    SignedRefreshToken,
    SignedToken,
    SignedUntypedToken,
)

__all__ = [
    "MAX_CLAIM_LENGTH",
    "RESERVED_CLAIMS",
    "AccessToken",
    "RefreshToken",
    "ReservedClaimError",
    "SessionToken",
    "Token",
    "UntypedToken",
    "canonical_claims",
    "reserved_claims",
]


class SessionToken(SignedToken):
    """A JWT minted for a session. Subclasses set ``token_type``."""

    def __setitem__(self, key: str, value: Any) -> None:
        """Add a custom claim; on a minted token, to every token of its session."""
        check_custom(key)
        if self.session is None:
            self.payload[key] = value
            return
        from tokens import services

        services.session_claims_set(session=self.session, claims={key: value})
        self.payload[key] = self.session.claims[key]

    def __delitem__(self, key: str) -> None:
        check_custom(key)
        if self.session is not None:
            from tokens import services

            services.session_claims_unset(session=self.session, names=[key])
        del self.payload[key]

    @classmethod
    def for_user(cls, user: Any) -> Self:
        """
        Start a new session for *user* and return its token of this type.

        The device is the one ``services.session_origin`` set, if any (the
        sign-in view sets it around ``get_token``).
        """
        from tokens import services

        origin = services.session_origin_get()
        pair = services.session_create(
            user=user, user_agent=origin.user_agent, ip_address=origin.ip_address
        )
        token = cls(getattr(pair, cls.token_type))
        token.session = pair.session
        return token


class AccessToken(SessionToken, SignedAccessToken):
    pass


class RefreshToken(SessionToken, SignedRefreshToken):
    @property
    def access_token(self) -> AccessToken:
        """
        Return a new access token of this token's session.

        For a token read from a string the session is checked first (revoked,
        expired or consumed outside the grace period: SessionInvalid), so an old
        refresh token cannot mint access tokens.
        """
        session = self.session
        if session is None:
            from tokens import services

            session = services.token_session_check(token=self)
        return AccessToken.for_session(session, timezone.now())

    def check_blacklist(self) -> None:
        """Raise TokenError if the session is revoked or this token was consumed."""
        from tokens import services

        services.token_session_check(token=self)

    def blacklist(self) -> bool:
        """Revoke this token's session (SimpleJWT's logout); False if it already was."""
        from tokens import services

        return services.token_session_revoke(token=self)


# SimpleJWT's name for the base class, for annotations written against it.
Token = SessionToken


class UntypedToken(SessionToken, SignedUntypedToken):
    """Any token of ours, access or refresh: for inspection and verification."""
