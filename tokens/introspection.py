"""
What the OAuth endpoints answer about a token (RFC 7662 introspection) and
do with one (RFC 7009 revocation), kept apart from HTTP:
``tokens.oauth_views`` authenticates the resource server and reads the form,
this decides.

A token is active when it is one of ours (signature, issuer, audience, type
and every claim's shape, as authentication checks them), unexpired, and its
session still stands: for an access token, by the answer every authenticated
request gets (``tokens.revocation.session_user_get``: no query on a warm
session); for a refresh token, by the database, as refresh does
(``services.token_session_check``: revoked, expired, consumed outside the
grace period). Anything else is ``{"active": false}`` and nothing more: a
revoked token reads as a forged one, an unknown one, or garbage.

Revoking a token ends its session, as logout does (``services.session_revoke``),
and with it every token of the session, access and refresh: the token may
have expired, its signature must hold. A token that names no session is no
error (RFC 7009 §2.2).
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.exceptions import TokenError

from tokens import services
from tokens.models import NOTE_MAX_LENGTH, ResourceServer, RevocationReason, Session
from tokens.revocation import session_user_get
from tokens.security import security_event
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


def token_revoke(raw: str, *, server: ResourceServer) -> bool:
    """
    Revoke the session of *raw* on behalf of *server*, its name and client id
    kept as the revocation's note; return whether it was revoked now (False:
    no session of ours, or one already revoked).
    """
    token = token_read(raw, verify_exp=False)
    if token is None:
        return False
    session = Session.objects.filter(pk=token.session_id, user_id=token["sub"]).first()
    if session is None:
        return False
    note = f"{server.name} ({server.client_id})"[:NOTE_MAX_LENGTH]
    revoked = services.session_revoke(
        session=session, reason=RevocationReason.RESOURCE_SERVER, note=note
    )
    if revoked:
        security_event(
            "resource_server_revoked",
            "session revoked by a resource server",
            sid=session.pk,
            user_id=session.user_id,
            jti=token.jti,
            client_id=server.client_id,
        )
    return revoked
