"""
Token classes: SimpleJWT's ``Token`` bound to a session and the key ring.

Every token carries ``sid`` (its session), a unique ``jti``, ``sub`` (the user's
primary key as a string), ``token_type``, ``iat``/``nbf``/``exp``, ``iss`` and
``aud``. Verification pins the key by ``kid`` and its one algorithm, requires
every claim, and checks each claim's type.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import (
    ExpiredTokenError,
    TokenBackendError,
    TokenBackendExpiredToken,
    TokenError,
)
from rest_framework_simplejwt.tokens import Token

from tokens.app_settings import app_settings
from tokens.backends import KeyRingBackend, token_backend

if TYPE_CHECKING:
    from tokens.models import RefreshTokenRecord, Session

MAX_CLAIM_LENGTH = 64


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_CLAIM_LENGTH:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_user_id(value: Any) -> bool:
    if not (
        isinstance(value, str)
        and 0 < len(value) <= MAX_CLAIM_LENGTH
        and value.isprintable()
    ):
        return False
    # The claim must also fit the user model's primary key: a query with "abc"
    # or 10**40 for an integer key fails in the database, not with a 401.
    field, bounds = _user_key(settings.AUTH_USER_MODEL)
    if bounds is not None:  # the usual integer key, on every request: keep it cheap
        digits = value[1:] if value[0] == "-" else value
        return (
            digits.isascii()
            and digits.isdigit()
            and bounds[0] <= int(value) <= bounds[1]
        )
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=8)
def _user_key(model: str) -> tuple[models.Field[Any, Any], tuple[int, int] | None]:
    """Return the user model's key field and, for an integer key, its range."""
    field = get_user_model()._meta.pk
    if not isinstance(field, models.IntegerField):
        return field, None
    low = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    high = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    return field, (max(low), min(high)) if low and high else None


class SessionToken(Token):
    """A JWT minted for a session. Subclasses set ``token_type``."""

    token_type: str

    def __init__(
        self,
        token: str | bytes | None = None,
        verify: bool = True,
        *,
        verify_exp: bool = True,
        payload: dict[str, Any] | None = None,
    ) -> None:
        self.token = token
        self.current_time = timezone.now()
        if token is None:
            self.payload = payload or {}
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

    def get_token_backend(self) -> KeyRingBackend:
        return token_backend

    def verify(self) -> None:
        """Check the claims the signature cannot: type and shape of each."""
        if self.payload.get("token_type") != self.token_type:
            raise TokenError(_("Token has wrong type"))
        payload = self.payload
        if not _is_uuid(payload.get("sid")) or not _is_uuid(payload.get("jti")):
            raise TokenError(_("Token is invalid"))
        if not _is_user_id(self.payload.get("sub")):
            raise TokenError(_("Token contained no recognizable user identification"))

    @property
    def session_id(self) -> uuid.UUID:
        return uuid.UUID(self.payload["sid"])

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
    ) -> SessionToken:
        """Return a new token with exactly these claims (no randomness added)."""
        iat = _epoch(issued_at)
        return cls(
            payload={
                "token_type": cls.token_type,
                "iss": app_settings.ISSUER,
                "aud": app_settings.AUDIENCE,
                "sub": str(session.user_id),
                "sid": str(session.pk),
                "jti": jti.hex,
                "iat": iat,
                "nbf": iat,
                "exp": _epoch(expires_at),
            }
        )


class AccessToken(SessionToken):
    token_type = "access"

    @classmethod
    def for_session(cls, session: Session, now: datetime) -> AccessToken:
        """Return a fresh access token for *session*, never outliving it."""
        expires_at = min(now + app_settings.ACCESS_TOKEN_LIFETIME, session.expires_at)
        return cls.build(
            session=session, jti=uuid.uuid4(), issued_at=now, expires_at=expires_at
        )


class RefreshToken(SessionToken):
    token_type = "refresh"

    @classmethod
    def for_record(cls, record: RefreshTokenRecord) -> RefreshToken:
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


class UntypedToken(SessionToken):
    """Any token of ours, access or refresh: for inspection and verification."""

    token_type = ""

    def verify(self) -> None:
        if self.payload.get("token_type") not in ("access", "refresh"):
            raise TokenError(_("Token has wrong type"))
        self.token_type = self.payload["token_type"]
        super().verify()
