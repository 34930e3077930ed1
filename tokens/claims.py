"""
The claims of our tokens: which are reserved, how custom ones are stored,
and the shape each claim must have before anything trusts it.

A reserved claim is minted from the session and its record and verified on
every request; no code may set one. A claim's shape is checked before any
query uses it: a ``sub`` that does not fit the user model's key would fail in
the database, not with a 401.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tokens.app_settings import app_settings
from tokens.signing import REQUIRED_CLAIMS

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


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# The form every uuid4 minted here has; any other that uuid.UUID reads (upper
# case, no hyphens, braces) is checked by uuid.UUID itself, more slowly.
CANONICAL_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_CLAIM_LENGTH:
        return False
    if CANONICAL_UUID.fullmatch(value):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def is_user_id(value: Any) -> bool:
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


def check_custom(key: Any) -> None:
    """Raise ReservedClaimError unless *key* may name a custom claim."""
    if not isinstance(key, str) or key in reserved_claims():
        raise ReservedClaimError(
            f"The claim {key!r} is minted and verified by the tokens app and "
            f"cannot be set; reserved: {', '.join(sorted(reserved_claims()))}."
        )
