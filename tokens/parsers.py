"""
Request parsers of the token endpoints: hostile bodies are a 4xx in any site.

``LimitedJSONParser`` for the JSON endpoints; ``LimitedFormParser`` for the
OAuth endpoints, which RFC 6749 has take form-encoded bodies.

The endpoints are public (sign-in, refresh, verify take no authentication), so
they cannot rely on the site's ``DEFAULT_PARSER_CLASSES`` being hardened: DRF's
own JSONParser lets a deeply nested document raise RecursionError (a 500) and
reads bodies of any size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

from tokens.exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """
    Parse JSON bodies of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes.

    DRF reads the request stream directly, which bypasses Django's own body size
    check, so the limit is enforced here. Deeply nested documents raise
    RecursionError in the json module; they are a parse error, not a crash.
    NaN and Infinity are not JSON (RFC 8259) and are refused too.
    """

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = read_limited(stream)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError("JSON parse error.") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_limited(stream: IO[bytes] | None) -> bytes:
    """The body, or PayloadTooLarge past ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        raw = stream.read(limit + 1 if limit is not None else -1) if stream else b""
    except RequestDataTooBig as exc:
        raise PayloadTooLarge() from exc
    if limit is not None and len(raw) > limit:
        raise PayloadTooLarge()
    return raw


class LimitedFormParser(BaseParser):
    """
    Parse ``application/x-www-form-urlencoded`` bodies (the OAuth endpoints,
    RFC 6749 appendix B) of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, into
    a QueryDict: a repeated field stays visible (``getlist``). More fields than
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` are a parse error, not Django's 400 page.
    """

    media_type = "application/x-www-form-urlencoded"

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> QueryDict:
        raw = read_limited(stream)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return QueryDict(raw, encoding=encoding)
        except (TooManyFieldsSent, LookupError) as exc:
            raise ParseError("Form parse error.") from exc
