"""The one rule for comparing email addresses."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_email(value: str) -> str:
    """
    Return the canonical form of an address: NFKC, trimmed, lower-cased.

    Only ASCII addresses are accepted after NFKC: that alone rules out
    look-alike duplicates (a Cyrillic "а" for a Latin "a"), and lower-casing
    the whole address makes ``Alice@X`` and ``alice@x`` one account.
    """
    folded = unicodedata.normalize("NFKC", value or "").strip().lower()
    if not folded.isascii():
        raise ValidationError(
            _("Enter an email address in plain ASCII characters."), code="non_ascii"
        )
    return folded
