"""System checks of the dj-rest-auth integration (run by ``tokens.checks``)."""

from __future__ import annotations

from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.serializers import PasswordChangeSerializer
from django.core.checks import CheckMessage, Error

from tokens.serializers import TokenObtainPairSerializer


def check_password_change_serializer() -> list[CheckMessage]:
    """
    ``tokens.contrib.dj_rest_auth``'s password change makes dj-rest-auth's
    serializer (and its subclasses) ask for the old password; it cannot make
    another one do so.
    """
    serializer_class = rest_auth_settings.PASSWORD_CHANGE_SERIALIZER
    if issubclass(serializer_class, PasswordChangeSerializer):
        return []
    name = f"{serializer_class.__module__}.{serializer_class.__qualname__}"
    return [
        Error(
            f"REST_AUTH['PASSWORD_CHANGE_SERIALIZER'] {name!r} does not subclass "
            "dj_rest_auth.serializers.PasswordChangeSerializer, so the password "
            "change cannot be made to ask for the old password: an access token "
            "alone could change the password.",
            hint="Subclass dj-rest-auth's serializer, or, if yours checks the "
            "old password itself, add 'tokens.E051' to SILENCED_SYSTEM_CHECKS.",
            id="tokens.E051",
        )
    ]


def check_claims_serializer() -> list[CheckMessage]:
    """dj-rest-auth's login mints with JWT_TOKEN_CLAIMS_SERIALIZER: it must be ours."""
    serializer_class = rest_auth_settings.JWT_TOKEN_CLAIMS_SERIALIZER
    if not rest_auth_settings.USE_JWT or issubclass(
        serializer_class, TokenObtainPairSerializer
    ):
        return []
    name = f"{serializer_class.__module__}.{serializer_class.__qualname__}"
    return [
        Error(
            f"REST_AUTH['JWT_TOKEN_CLAIMS_SERIALIZER'] {name!r} does not subclass "
            "tokens.serializers.TokenObtainPairSerializer: dj-rest-auth's login "
            "would mint SimpleJWT tokens, which belong to no session and are "
            "refused.",
            hint="Set it to tokens.serializers.TokenObtainPairSerializer, or a "
            "subclass of it (override get_token to add claims).",
            id="tokens.E052",
        )
    ]
