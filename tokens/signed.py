"""
Our JWTs as values: read from a string (signature, then every claim's shape)
or minted from a session, with SimpleJWT's ``Token`` interface.

Nothing here touches a session's state: the classes in ``tokens.tokens``
add what needs the services (starting a session, storing a custom claim on
it, revoking it) on top of these, and the services use these alone, so the
two never import each other.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import (
    ExpiredTokenError,
    TokenBackendError,
    TokenBackendExpiredToken,
    TokenError,
)
from rest_framework_simplejwt.tokens import Token as SimpleJWTToken

from tokens.app_settings import app_settings
from tokens.claims import (
    CANONICAL_UUID,
    check_custom,
    epoch,
    is_user_id,
    is_uuid,
    reserved_claims,
)
from tokens.signing import KeyRingBackend, token_backend

if TYPE_CHECKING:
    from tokens.models import RefreshTokenRecord, Session


class _Lifetime:
    """SimpleJWT's ``Token.lifetime`` class attribute, read from the settings."""

    def __init__(self, setting: str) -> None:
        self.setting = setting

    def __get__(self, instance: Any, owner: type) -> Any:
        return getattr(app_settings, self.setting)


class SignedToken(SimpleJWTToken):
    """A JWT of ours. Subclasses set ``token_type``."""

    token_type: str
    # The session a minted token belongs to; None for a token read from a string.
    session: Session | None = None

    def __init__(
        self,
        token: str | bytes | None = None,
        verify: bool = True,
        *,
        verify_exp: bool = True,
        payload: dict[str, Any] | None = None,
    ) -> None:
        # SimpleJWT's stub types this as a Token; it holds the encoded token.
        self.token = token  # type: ignore[assignment]
        self.current_time = timezone.now()
        if token is None:
            if payload is None:
                raise TokenError(
                    _("A token belongs to a session: mint it with for_user(user).")
                )
            self.payload = payload
            return
        try:
            self.payload = self.get_token_backend().decode(
                token, verify=verify, verify_exp=verify_exp
            )
        except TokenBackendExpiredToken as exc:
            raise ExpiredTokenError(_("Token is expired")) from exc
        except TokenBackendError as exc:
            raise TokenError(_("Token is invalid")) from exc
        if verify:
            self.verify()

    # The key ring backend stands in for SimpleJWT's TokenBackend (same
    # encode/decode) without subclassing it.
    def get_token_backend(self) -> KeyRingBackend:  # type: ignore[override]
        return token_backend

    # SimpleJWT's mapping interface, with the claims this app owns protected and
    # SimpleJWT's user id claim (``user_id`` by default) answered from ``sub``.

    def __getitem__(self, key: str) -> Any:
        if key not in self.payload and key == app_settings.USER_ID_CLAIM:
            return self.payload["sub"]
        return self.payload[key]

    def __contains__(self, key: str) -> bool:
        return key in self.payload or (
            key == app_settings.USER_ID_CLAIM and "sub" in self.payload
        )

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        return self[key]

    def __setitem__(self, key: str, value: Any) -> None:
        check_custom(key)
        self.payload[key] = value

    def __delitem__(self, key: str) -> None:
        check_custom(key)
        del self.payload[key]

    # SimpleJWT's setters of its own claims write the payload directly, past
    # __setitem__: the claims they set are minted here, from the session and
    # its record, and a token whose claims disagree with its record must not
    # be encoded (a longer exp would outlive the record).

    def set_exp(self, claim: str = "exp", *args: Any, **kwargs: Any) -> None:
        check_custom(claim)
        super().set_exp(claim, *args, **kwargs)

    def set_iat(self, claim: str = "iat", *args: Any, **kwargs: Any) -> None:
        check_custom(claim)
        super().set_iat(claim, *args, **kwargs)

    def set_jti(self) -> None:
        check_custom("jti")

    def verify(self) -> None:
        """Check the claims the signature cannot: type and shape of each."""
        if self.payload.get("token_type") != self.token_type:
            raise TokenError(_("Token has wrong type"))
        payload = self.payload
        if not is_uuid(payload.get("sid")) or not is_uuid(payload.get("jti")):
            raise TokenError(_("Token is invalid"))
        if not is_user_id(self.payload.get("sub")):
            raise TokenError(_("Token contained no recognizable user identification"))

    @property
    def session_id(self) -> uuid.UUID:
        return uuid.UUID(self.payload["sid"])

    @property
    def session_key(self) -> str:
        """``session_id`` as the cache and the database spell it."""
        sid: str = self.payload["sid"]
        return sid if CANONICAL_UUID.fullmatch(sid) else str(self.session_id)

    @property
    def jti(self) -> uuid.UUID:
        return uuid.UUID(self.payload["jti"])

    @classmethod
    def build(
        cls,
        *,
        session: Session,
        jti: uuid.UUID,
        issued_at: datetime,
        expires_at: datetime,
    ) -> Self:
        """Return a new token with exactly these claims (no randomness added)."""
        iat = epoch(issued_at)
        custom = session.claims
        reserved = reserved_claims()
        token = cls(
            payload={
                "token_type": cls.token_type,
                "iss": app_settings.ISSUER,
                "aud": app_settings.AUDIENCE,
                "sub": str(session.user_id),
                "sid": str(session.pk),
                "jti": jti.hex,
                "iat": iat,
                "nbf": iat,
                "exp": epoch(expires_at),
                **{name: v for name, v in custom.items() if name not in reserved},
            }
        )
        token.session = session
        return token


class SignedAccessToken(SignedToken):
    token_type = "access"
    lifetime = _Lifetime("ACCESS_TOKEN_LIFETIME")

    @classmethod
    def for_session(cls, session: Session, now: datetime) -> Self:
        """Return a fresh access token for *session*, never outliving it."""
        expires_at = min(now + app_settings.ACCESS_TOKEN_LIFETIME, session.expires_at)
        return cls.build(
            session=session, jti=uuid.uuid4(), issued_at=now, expires_at=expires_at
        )


class SignedRefreshToken(SignedToken):
    token_type = "refresh"
    lifetime = _Lifetime("REFRESH_TOKEN_LIFETIME")

    @classmethod
    def for_record(cls, record: RefreshTokenRecord) -> Self:
        """
        Return the refresh token a record stands for.

        The claims are all derived from the record, so the same record always
        yields the same token (byte for byte with HMAC keys): that is how a
        retry inside the grace period gets the very successor it missed.
        """
        return cls.build(
            session=record.session,
            jti=record.jti,
            issued_at=record.issued_at,
            expires_at=record.expires_at,
        )


class SignedUntypedToken(SignedToken):
    """Any token of ours, access or refresh: for inspection and verification."""

    token_type = ""

    def verify(self) -> None:
        if self.payload.get("token_type") not in ("access", "refresh"):
            raise TokenError(_("Token has wrong type"))
        self.token_type = self.payload["token_type"]
        super().verify()
