"""A JSON parser that refuses oversized and pathological bodies with a 4xx."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config.exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """
    Parse JSON bodies of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes.

    DRF reads the request stream directly, which bypasses Django's own body size
    check, so the limit is enforced here. Deeply nested documents raise
    RecursionError in the json module; they are a parse error, not a crash.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError("JSON parse error.") from exc


def _reject_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259).
    raise ValueError(f"{name} is not valid JSON")
