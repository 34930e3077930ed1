"""
Deprecated: what this module held is in the ``tokens.signing`` package.

Each public name this module had still resolves to the same object, with a
DeprecationWarning, for one release; the module is removed in 0.3. Nothing in
``tokens`` imports it (the test settings turn a DeprecationWarning raised from
``tokens`` code into an error).
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import Any

# Each public name of tokens.backends, by the module of tokens.signing that now
# holds it; tokens.signing exports every one of them.
_MOVED = {
    "HMAC_DIGESTS": "tokens.signing.keys",
    "HMAC_ALGORITHMS": "tokens.signing.keys",
    "ASYMMETRIC_ALGORITHMS": "tokens.signing.keys",
    "SUPPORTED_ALGORITHMS": "tokens.signing.keys",
    "SigningKey": "tokens.signing.keys",
    "build_key": "tokens.signing.keys",
    "KeyRing": "tokens.signing.keys",
    "get_key_ring": "tokens.signing.keys",
    "VerifiedTokens": "tokens.signing.memory",
    "FORBIDDEN_HEADERS": "tokens.signing.parsing",
    "REQUIRED_CLAIMS": "tokens.signing.parsing",
    "NUMERIC_DATE_CLAIMS": "tokens.signing.parsing",
    "MAX_NUMERIC_DATE": "tokens.signing.parsing",
    "TOKEN_TYPES": "tokens.signing.parsing",
    "is_canonical_base64url": "tokens.signing.parsing",
    "split_token": "tokens.signing.parsing",
    "read_header": "tokens.signing.parsing",
    "jws_verify": "tokens.signing.parsing",
    "check_token_type": "tokens.signing.parsing",
    "check_audience": "tokens.signing.parsing",
    "hmac_fast_decode": "tokens.signing.fast_path",
    "KeyRingBackend": "tokens.signing.backend",
    "token_backend": "tokens.signing.backend",
}

__all__ = list(_MOVED)


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"tokens.backends is deprecated; import {name} from tokens.signing"
        " (removed in 0.3)",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return list(__all__)
