"""
Token classes: SimpleJWT's ``Token`` bound to a session and the key ring.

Every token carries ``sid`` (its session), a unique ``jti``, ``sub`` (the user's
primary key as a string), ``token_type``, ``iat``/``nbf``/``exp``, ``iss`` and
``aud``. Verification pins the key by ``kid`` and its one algorithm, requires
every claim, and checks each claim's type.

SimpleJWT's public token API works here with sessions underneath:
``RefreshToken.for_user(user)`` starts a session, ``.access_token`` mints an
access token of that session, ``token["claim"] = value`` adds a custom claim to
every token of the session (stored on the session, so rotation keeps it), and
``RefreshToken(raw).blacklist()`` revokes the session.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Self

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
from rest_framework_simplejwt.tokens import Token as SimpleJWTToken

from tokens.app_settings import app_settings
from tokens.signing import REQUIRED_CLAIMS, KeyRingBackend, token_backend

if TYPE_CHECKING:
    from tokens.models import RefreshTokenRecord, Session

MAX_CLAIM_LENGTH = 64
RESERVED_CLAIMS = frozenset(REQUIRED_CLAIMS)


class ReservedClaimError(ValueError):
    """A custom claim tried to replace one that the app mints and verifies."""


def reserved_claims() -> frozenset[str]:
    """Return the claims no code may set: ours and SimpleJWT's user id claim."""
    return RESERVED_CLAIMS | {app_settings.USER_ID_CLAIM}


def canonical_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """
    Return *claims* as the session stores them: JSON values, keys sorted at
    every level, so the same claims always encode to the same token.
    """
    canonical: dict[str, Any] = json.loads(json.dumps(claims, sort_keys=True))
    return canonical


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# The form every uuid4 minted here has; any other that uuid.UUID reads (upper
# case, no hyphens, braces) is checked by uuid.UUID itself, more slowly.
_CANONICAL_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_CLAIM_LENGTH:
        return False
    if _CANONICAL_UUID.fullmatch(value):
        return True
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


class _Lifetime:
    """SimpleJWT's ``Token.lifetime`` class attribute, read from the settings."""

    def __init__(self, setting: str) -> None:
        self.setting = setting

    def __get__(self, instance: Any, owner: type) -> Any:
        return getattr(app_settings, self.setting)


class SessionToken(SimpleJWTToken):
    """A JWT minted for a session. Subclasses set ``token_type``."""

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
        """Add a custom claim; on a minted token, to every token of its session."""
        self._check_custom(key)
        if self.session is None:
            self.payload[key] = value
            return
        from tokens import services

        services.session_claims_set(session=self.session, claims={key: value})
        self.payload[key] = self.session.claims[key]

    def __delitem__(self, key: str) -> None:
        self._check_custom(key)
        if self.session is not None:
            from tokens import services

            services.session_claims_unset(session=self.session, names=[key])
        del self.payload[key]

    # SimpleJWT's setters of its own claims write the payload directly, past
    # __setitem__: the claims they set are minted here, from the session and
    # its record, and a token whose claims disagree with its record must not
    # be encoded (a longer exp would outlive the record).

    def set_exp(self, claim: str = "exp", *args: Any, **kwargs: Any) -> None:
        self._check_custom(claim)
        super().set_exp(claim, *args, **kwargs)

    def set_iat(self, claim: str = "iat", *args: Any, **kwargs: Any) -> None:
        self._check_custom(claim)
        super().set_iat(claim, *args, **kwargs)

    def set_jti(self) -> None:
        self._check_custom("jti")

    def _check_custom(self, key: str) -> None:
        if not isinstance(key, str) or key in reserved_claims():
            raise ReservedClaimError(
                f"The claim {key!r} is minted and verified by the tokens app and "
                f"cannot be set; reserved: {', '.join(sorted(reserved_claims()))}."
            )

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
    def session_key(self) -> str:
        """``session_id`` as the cache and the database spell it."""
        sid: str = self.payload["sid"]
        return sid if _CANONICAL_UUID.fullmatch(sid) else str(self.session_id)

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
        iat = _epoch(issued_at)
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
                "exp": _epoch(expires_at),
                **{name: v for name, v in custom.items() if name not in reserved},
            }
        )
        token.session = session
        return token


class AccessToken(SessionToken):
    token_type = "access"
    lifetime = _Lifetime("ACCESS_TOKEN_LIFETIME")

    @classmethod
    def for_session(cls, session: Session, now: datetime) -> AccessToken:
        """Return a fresh access token for *session*, never outliving it."""
        expires_at = min(now + app_settings.ACCESS_TOKEN_LIFETIME, session.expires_at)
        return cls.build(
            session=session, jti=uuid.uuid4(), issued_at=now, expires_at=expires_at
        )


class RefreshToken(SessionToken):
    token_type = "refresh"
    lifetime = _Lifetime("REFRESH_TOKEN_LIFETIME")

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


# SimpleJWT's name for the base class, for annotations written against it.
Token = SessionToken


class UntypedToken(SessionToken):
    """Any token of ours, access or refresh: for inspection and verification."""

    token_type = ""

    def verify(self) -> None:
        if self.payload.get("token_type") not in ("access", "refresh"):
            raise TokenError(_("Token has wrong type"))
        self.token_type = self.payload["token_type"]
        super().verify()
