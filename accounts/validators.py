from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_PASSWORD_LENGTH = 4096


class MaximumLengthValidator:
    """Refuse absurdly long passwords (hashing them is a denial of service)."""

    def __init__(self, max_length: int = MAX_PASSWORD_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long (at most %(max)d characters)."),
                code="password_too_long",
                params={"max": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(max)d characters long.") % {
            "max": self.max_length
        }
