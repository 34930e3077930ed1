"""Request and response shapes of the token API. Validation only, no side effects."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from tokens.app_settings import app_settings
from tokens.devices import describe_user_agent
from tokens.models import Session

PASSWORD_MAX_LENGTH = 4096


class TokenField(serializers.CharField):
    """A token in a request body, no longer than ``MAX_TOKEN_BYTES``."""

    def __init__(self, **kwargs: Any) -> None:
        # Read on each serializer instance: DRF re-creates declared fields
        # from their arguments for every serializer, so settings stay lazy.
        kwargs.setdefault("max_length", app_settings.MAX_TOKEN_BYTES)
        kwargs.setdefault("trim_whitespace", True)
        super().__init__(**kwargs)


class TokenObtainSerializer(serializers.Serializer[Any]):
    """Credentials: the user model's USERNAME_FIELD (``email`` here) and password."""

    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username_field = get_user_model().USERNAME_FIELD
        self.fields[self.username_field] = serializers.CharField(max_length=254)


class TokenPairSerializer(serializers.Serializer[Any]):
    access = serializers.CharField()
    refresh = serializers.CharField(
        required=False, help_text="Absent in cookie mode: the cookie carries it."
    )


class TokenRefreshSerializer(serializers.Serializer[Any]):
    refresh = TokenField(
        required=False, help_text="Required unless the refresh cookie is used."
    )


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
        return str(session.pk) == self.context.get("current_session_id")


class RevokedCountSerializer(serializers.Serializer[Any]):
    revoked = serializers.IntegerField()
