"""
DRF authentication with access tokens that die with their session.

Per request: verify the token (key by ``kid``, one algorithm per key, every
claim required and typed), then ask whether its session is still valid: the
shared cache answers without a query; on a miss one query does (see
``tokens.revocation``). A revoked session is refused on the next request, in every
process.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from tokens.revocation import session_user_get
from tokens.tokens import AccessToken


class SessionJWTAuthentication(JWTAuthentication):
    """Authenticate ``Authorization: Bearer <access token>`` against its session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # JWTAuthentication resolves the user model here; ours is resolved only
        # when a cached user is loaded, so there is nothing to do per request.
        # ``authenticate`` is SimpleJWT's own; the steps below are ours.
        pass

    def get_validated_token(self, raw_token: bytes) -> AccessToken:
        try:
            return AccessToken(raw_token)
        except TokenError as exc:
            # SimpleJWT's answer, ``messages`` included, so that a site's
            # clients and tests that read it keep working.
            message = {
                "token_class": AccessToken.__name__,
                "token_type": AccessToken.token_type,
                "message": exc.args[0],
            }
            detail = _("Given token not valid for any token type")
            raise InvalidToken({"detail": detail, "messages": [message]}) from exc

    # Fed only by get_validated_token above, which returns an AccessToken.
    def get_user(self, validated_token: AccessToken) -> Any:  # type: ignore[override]
        user = session_user_get(
            session_id=validated_token.session_key,
            user_id=validated_token["sub"],
        )
        if user is None:
            # A revoked token, as SimpleJWT answers for a blacklisted one:
            # ``token_not_valid``, the code clients take as "refresh or sign in".
            raise InvalidToken(
                # SimpleJWT's stub refuses lazy strings; DRF renders them per request.
                _("Session has been revoked or has expired.")  # type: ignore[arg-type]
            )
        return user
