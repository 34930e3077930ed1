"""
Request and response shapes of the account and profile API.

Validation only: types, lengths, formats. The rules that need the database or
the user (password strength, the current password, a taken address) are the
services'. Every request serializer refuses fields it does not know, and
every string field refuses non-strings, NUL and lone surrogates.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from rest_framework import serializers

from accounts.emails import normalize_email
from accounts.models import Profile, User, Visibility
from accounts.validators import MAX_PASSWORD_LENGTH

EMAIL_MAX_LENGTH = 254
UID_MAX_LENGTH = 64
TOKEN_MAX_LENGTH = 128


class StrictCharField(serializers.CharField):
    """A CharField that accepts only JSON strings (DRF also takes numbers)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SingleLineField(StrictCharField):
    """Text without control characters (no newlines, tabs or escapes)."""

    default_error_messages = {"control": "Control characters are not allowed."}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if any(unicodedata.category(char) == "Cc" for char in value):
            self.fail("control")
        return value


class PasswordField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_PASSWORD_LENGTH)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("style", {"input_type": "password"})
        super().__init__(**kwargs)


class NormalizedEmailField(StrictCharField):
    """An email address in its canonical form (see ``accounts.emails``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators.append(EmailValidator())

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value = normalize_email(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="non_ascii") from exc
        return value


class WebsiteField(StrictCharField):
    """An http(s) URL, or blank."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.validators.append(URLValidator(schemes=["http", "https"]))


class StrictSerializer(serializers.Serializer):
    """A serializer that refuses unknown fields instead of ignoring them."""

    default_error_messages = {"unknown": "Unknown field."}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = self.error_messages["unknown"]
                raise serializers.ValidationError(
                    {name: [message] for name in unknown}, code="unknown"
                )
        return super().to_internal_value(data)


class DetailSerializer(serializers.Serializer):
    """DRF's error and message shape."""

    detail = serializers.CharField()


# Accounts -----------------------------------------------------------------------


class RegisterSerializer(StrictSerializer):
    email = NormalizedEmailField()
    password = PasswordField()
    display_name = SingleLineField(max_length=150, required=False, allow_blank=True)


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "date_joined",
            "email_verified",
            "pending_email",
        ]
        read_only_fields = fields


class MeUpdateSerializer(StrictSerializer):
    email = NormalizedEmailField(required=False)
    display_name = SingleLineField(max_length=150, required=False, allow_blank=True)
    current_password = PasswordField(
        required=False, help_text="Required to change the email address."
    )


class PasswordChangeSerializer(StrictSerializer):
    current_password = PasswordField()
    new_password = PasswordField()


class DeactivateSerializer(StrictSerializer):
    password = PasswordField()


class PasswordResetRequestSerializer(StrictSerializer):
    email = NormalizedEmailField()


class PasswordResetConfirmSerializer(StrictSerializer):
    uid = StrictCharField(max_length=UID_MAX_LENGTH)
    token = StrictCharField(max_length=TOKEN_MAX_LENGTH)
    new_password = PasswordField()


class EmailVerifySerializer(StrictSerializer):
    uid = StrictCharField(max_length=UID_MAX_LENGTH)
    token = StrictCharField(max_length=TOKEN_MAX_LENGTH)


class EmailVerificationResendSerializer(StrictSerializer):
    email = NormalizedEmailField()


# Profiles -----------------------------------------------------------------------


class ProfileSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Profile
        fields = [
            "id",
            "display_name",
            "bio",
            "location",
            "website",
            "visibility",
            "updated_at",
        ]
        read_only_fields = fields


class ProfileUpdateSerializer(StrictSerializer):
    display_name = SingleLineField(max_length=150, required=False, allow_blank=True)
    bio = StrictCharField(max_length=2000, required=False, allow_blank=True)
    location = SingleLineField(max_length=100, required=False, allow_blank=True)
    website = WebsiteField(required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
