"""
OpenAPI annotations for the token views, optional at run time.

With drf-spectacular installed (extra ``spectacular``) these are its own
``extend_schema``, ``inline_serializer`` and ``OpenApiResponse``; without it
they do nothing, so the app depends on Django, DRF and SimpleJWT only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


__all__ = ["OpenApiResponse", "extend_schema", "inline_serializer"]
