"""Request and response shapes of the token API. Validation only, no side effects."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from tokens.devices import describe_user_agent
from tokens.models import Session

PASSWORD_MAX_LENGTH = 4096
TOKEN_MAX_LENGTH = 8192


class TokenField(serializers.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", TOKEN_MAX_LENGTH)
        kwargs.setdefault("trim_whitespace", True)
        super().__init__(**kwargs)


class TokenObtainSerializer(serializers.Serializer):
    """Credentials: the user model's USERNAME_FIELD (``email`` here) and password."""

    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.username_field = get_user_model().USERNAME_FIELD
        self.fields[self.username_field] = serializers.CharField(max_length=254)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(
        required=False, help_text="Absent in cookie mode: the cookie carries it."
    )


class TokenRefreshSerializer(serializers.Serializer):
    refresh = TokenField(
        required=False, help_text="Required unless the refresh cookie is used."
    )


class TokenVerifySerializer(serializers.Serializer):
    token = TokenField()


class LogoutSerializer(serializers.Serializer):
    refresh = TokenField(
        required=False,
        help_text="The session's refresh token; else the cookie, else the "
        "Authorization header's access token.",
    )


class SessionSerializer(serializers.ModelSerializer):
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


class RevokedCountSerializer(serializers.Serializer):
    revoked = serializers.IntegerField()
