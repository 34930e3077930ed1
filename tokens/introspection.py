"""
What the OAuth endpoints answer about a token (RFC 7662 introspection), kept
apart from HTTP: ``tokens.oauth_views`` authenticates the resource server
and reads the form, this decides.

A token is active when it is one of ours (signature, issuer, audience, type
and every claim's shape, as authentication checks them), unexpired, and its
session still stands: for an access token, by the answer every authenticated
request gets (``tokens.revocation.session_user_get``: no query on a warm
session); for a refresh token, by the database, as refresh does
(``services.token_session_check``: revoked, expired, consumed outside the
grace period). Anything else is ``{"active": false}`` and nothing more: a
revoked token reads as a forged one, an unknown one, or garbage.
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.exceptions import TokenError

from tokens import services
from tokens.revocation import session_user_get
from tokens.signed import SignedToken, SignedUntypedToken


def inactive() -> dict[str, Any]:
    """RFC 7662 §2.2: the one answer for every token that is not active."""
    return {"active": False}


def token_read(raw: str, *, verify_exp: bool = True) -> SignedToken | None:
    """Return *raw* as one of our access or refresh tokens, or None."""
    try:
        return SignedUntypedToken(raw, verify_exp=verify_exp)
    except TokenError:
        return None


def token_introspect(raw: str) -> dict[str, Any]:
    """
    Return RFC 7662's answer for *raw*: ``active`` and the token's claims (its
    ``sub``, ``sid``, ``jti``, ``iss``, ``aud``, ``iat``, ``nbf``, ``exp``,
    ``token_type`` and the session's custom claims as the token carries
    them), or ``{"active": false}``.
    """
    token = token_read(raw)
    if token is None or not _session_stands(token):
        return inactive()
    # A custom claim named "active" cannot speak for the token.
    claims = {name: v for name, v in token.payload.items() if name != "active"}
    return {"active": True, **claims}


def _session_stands(token: SignedToken) -> bool:
    if token.token_type == "access":
        user = session_user_get(session_id=token.session_key, user_id=token["sub"])
        return user is not None
    try:
        services.token_session_check(token=token)
    except TokenError:
        return False
    return True
