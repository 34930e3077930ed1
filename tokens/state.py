"""
Deprecated: the revocation state moved to the ``tokens.revocation`` package.

Every name this module had still resolves, with a DeprecationWarning naming
its new home; this module goes in 0.3.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

# Old name -> (new module, new name).
_MOVED: dict[str, tuple[str, str]] = {
    "EPOCH_KEY": ("tokens.revocation.keys", "EPOCH_KEY"),
    "LEASE_KEY": ("tokens.revocation.keys", "LEASE_KEY"),
    "REVOKED": ("tokens.revocation.keys", "REVOKED"),
    "TOMBSTONE_TIMEOUT": ("tokens.revocation.keys", "TOMBSTONE_TIMEOUT"),
    "_rev_key": ("tokens.revocation.keys", "rev_key"),
    "_ok_key": ("tokens.revocation.keys", "ok_key"),
    "MISS": ("tokens.revocation.protocol", "Outcome.MISS"),
    "VALID": ("tokens.revocation.protocol", "Outcome.VALID"),
    "REVOKED_SESSION": ("tokens.revocation.protocol", "Outcome.REVOKED"),
    "UNLEASED": ("tokens.revocation.protocol", "Outcome.UNLEASED"),
    "Lookup": ("tokens.revocation", "Lookup"),
    "NO_CACHE": ("tokens.revocation.protocol", "NO_CACHE"),
    "RETRY_AFTER": ("tokens.revocation.tracking", "RETRY_AFTER"),
    "REDIS_ERRORS": ("tokens.revocation.tracking", "REDIS_ERRORS"),
    "DRAIN_BATCH": ("tokens.revocation.outbox", "DRAIN_BATCH"),
    "SessionState": ("tokens.revocation", "CacheRevocationState"),
    "RedisSessionState": ("tokens.revocation", "RedisRevocationState"),
    "SessionUser": ("tokens.revocation", "SessionUser"),
    "get_state": ("tokens.revocation", "get_state"),
    "_states": ("tokens.revocation.registry", "_states"),
    "session_user_get": ("tokens.revocation", "session_user_get"),
    "sessions_mark_revoked": ("tokens.revocation", "sessions_mark_revoked"),
    "sessions_forget": ("tokens.revocation", "sessions_forget"),
}

__all__ = sorted(name for name in _MOVED if not name.startswith("_"))


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, new_name = _MOVED[name]
    warnings.warn(
        f"tokens.state is deprecated; import {new_name} from {module_name} "
        "(removed in 0.3)",
        DeprecationWarning,
        stacklevel=2,
    )
    value: Any = importlib.import_module(module_name)
    for part in new_name.split("."):
        value = getattr(value, part)
    return value


def __dir__() -> list[str]:
    return __all__
