"""
OpenAPI annotations for the token views, optional at run time.

With drf-spectacular installed (extra ``spectacular``) these are its own
``extend_schema``, ``inline_serializer`` and ``OpenApiResponse``; without it
they do nothing, so the app depends on Django, DRF and SimpleJWT only.

``SchemaWhenEnabled`` leaves the views of a feature that a setting turns
off out of the schema, as if their URLs were not mounted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.schemas.inspectors import DefaultSchema

from tokens.app_settings import app_settings

try:
    from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
except ImportError:  # pragma: no cover - exercised by tests/test_distribution.py

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[misc]
        """Return a decorator that leaves the view unchanged."""
        return lambda view: view

    def inline_serializer(*args: Any, **kwargs: Any) -> None:  # type: ignore[misc]
        """Describe nothing: only the schema generator would read it."""
        return None

    class OpenApiResponse:  # type: ignore[no-redef]
        """Hold a response description nobody reads."""

        def __init__(self, response: Any = None, description: str = "", **kw: Any):
            self.response = response
            self.description = description


class SchemaWhenEnabled(DefaultSchema):
    """
    A view's ``schema``: the site's ``DEFAULT_SCHEMA_CLASS``, as DRF's own
    default, while the boolean setting *setting* is on; ``None`` while it is
    off, which schema generators read as "leave this view out".
    """

    def __init__(self, setting: str) -> None:
        super().__init__()
        self.setting = setting

    def __get__(self, instance: Any, owner: Any) -> Any:
        if not getattr(app_settings, self.setting):
            return None
        return super().__get__(instance, owner)


__all__ = [
    "OpenApiResponse",
    "SchemaWhenEnabled",
    "extend_schema",
    "inline_serializer",
]
