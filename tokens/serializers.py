"""Request and response shapes of the token API. Validation only, no side effects."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string
from rest_framework import serializers

from tokens.app_settings import app_settings
from tokens.devices import describe_user_agent
from tokens.models import Session
from tokens.tokens import RefreshToken, SessionToken

PASSWORD_MAX_LENGTH = 4096


class StrictCharField(serializers.CharField):
    """
    A string field that refuses other JSON types: DRF's CharField would turn
    ``123`` into ``"123"``, so a wrong type would be a wrong credential (401)
    rather than the malformed request (400) it is.
    """

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class TokenField(StrictCharField):
    """A token in a request body, no longer than ``MAX_TOKEN_BYTES``."""

    def __init__(self, **kwargs: Any) -> None:
        # Read on each serializer instance: DRF re-creates declared fields
        # from their arguments for every serializer, so settings stay lazy.
        kwargs.setdefault("max_length", app_settings.MAX_TOKEN_BYTES)
        kwargs.setdefault("trim_whitespace", True)
        super().__init__(**kwargs)


class TokenObtainSerializer(serializers.Serializer[Any]):
    """Credentials: the user model's USERNAME_FIELD (``email`` here) and password."""

    password = StrictCharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username_field = get_user_model().USERNAME_FIELD
        self.fields[self.username_field] = StrictCharField(max_length=254)


class TokenObtainPairSerializer(TokenObtainSerializer):
    """
    Sign-in credentials, and SimpleJWT's ``get_token(user)`` hook.

    Subclass it and override ``get_token`` to add claims, as with SimpleJWT,
    and name the subclass in ``TOKENS["TOKEN_OBTAIN_SERIALIZER"]`` (or
    ``SIMPLE_JWT["TOKEN_OBTAIN_SERIALIZER"]``). The claims are stored on the
    session and carried by all its tokens, rotated ones included. Only
    ``get_token`` is honoured: the sign-in view authenticates, not ``validate``.
    """

    token_class = RefreshToken

    @classmethod
    def get_token(cls, user: Any) -> RefreshToken:
        """Start a session for *user* and return its refresh token."""
        return cls.token_class.for_user(user)


def get_obtain_serializer() -> type[TokenObtainPairSerializer]:
    """
    Return the class TOKEN_OBTAIN_SERIALIZER names, or, for a serializer written
    for SimpleJWT (a subclass of its ``TokenObtainSerializer``), ours calling
    that one's ``get_token`` with our token class (see ``simplejwt_adapter``).
    """
    serializer: type[Any] = import_string(app_settings.TOKEN_OBTAIN_SERIALIZER)
    if issubclass(serializer, TokenObtainPairSerializer):
        return serializer
    adapter = _adapters.get(serializer)
    if adapter is None:
        adapter = _adapters[serializer] = simplejwt_adapter(serializer)
    return adapter


# One adapter per SimpleJWT serializer, made on first use.
_adapters: dict[type[Any], type[TokenObtainPairSerializer]] = {}


def simplejwt_adapter(serializer: type[Any]) -> type[TokenObtainPairSerializer]:
    """
    Return our serializer with the ``get_token`` of a SimpleJWT serializer.

    SimpleJWT's documented override (``token = super().get_token(user)``, then
    ``token["name"] = ...``) ends in ``cls.token_class.for_user(user)``; with
    ``token_class`` set to our RefreshToken it starts a session and the claims
    go on it. Its ``validate`` is not used: our view authenticates.
    """
    from rest_framework_simplejwt.serializers import TokenObtainSerializer

    if not issubclass(serializer, TokenObtainSerializer):
        raise TypeError(f"{serializer!r} is not a token obtain serializer")
    if not issubclass(getattr(serializer, "token_class", None) or object, SessionToken):
        serializer = type(
            serializer.__name__, (serializer,), {"token_class": RefreshToken}
        )

    class SimpleJWTSerializerAdapter(TokenObtainPairSerializer):
        @classmethod
        def get_token(cls, user: Any) -> RefreshToken:
            token: RefreshToken = serializer.get_token(user)
            return token

    return SimpleJWTSerializerAdapter


class TokenPairSerializer(serializers.Serializer[Any]):
    access = serializers.CharField()
    refresh = serializers.CharField(
        required=False, help_text="Absent in cookie mode: the cookie carries it."
    )


class TokenRefreshSerializer(serializers.Serializer[Any]):
    refresh = TokenField(
        required=False, help_text="Required unless the refresh cookie is used."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # As with SimpleJWT, a missing token is a field error, unless the
        # cookie may carry it.
        self.fields["refresh"].required = not app_settings.REFRESH_COOKIE


class TokenVerifySerializer(serializers.Serializer[Any]):
    token = TokenField()


class LogoutSerializer(serializers.Serializer[Any]):
    refresh = TokenField(
        required=False,
        help_text="The session's refresh token; else the cookie, else the "
        "Authorization header's access token.",
    )


class SessionSerializer(serializers.ModelSerializer[Session]):
    device = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "device",
            "user_agent",
            "ip_address",
            "created_at",
            "last_used_at",
            "expires_at",
            "current",
        ]
        read_only_fields = fields

    def get_device(self, session: Session) -> str:
        return describe_user_agent(session.user_agent)

    def get_current(self, session: Session) -> bool:
        return session.pk == self.context.get("current_session_id")


class RevokedCountSerializer(serializers.Serializer[Any]):
    revoked = serializers.IntegerField()
