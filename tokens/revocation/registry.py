"""
One revocation state per process and cache alias, fastest for its backend.

A forked child makes its own (the parent's connection and local copy are
not its own), and a change of CACHES or TOKENS (in tests) starts afresh.
"""

from __future__ import annotations

import os
import threading
from typing import Any, cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed

from tokens.app_settings import app_settings
from tokens.revocation.cache_backend import CacheRevocationState
from tokens.revocation.redis_backend import RedisRevocationState

AnyState = CacheRevocationState | RedisRevocationState

_states: dict[str, AnyState] = {}
_states_lock = threading.Lock()


def get_state() -> AnyState:
    """Return the revocation state of CACHE_ALIAS (called only when it is set)."""
    alias = cast(str, app_settings.CACHE_ALIAS)
    state = _states.get(alias)
    if state is None:
        with _states_lock:
            state = _states.get(alias)
            if state is None:
                state = _states[alias] = _make_state(alias)
    return state


def _make_state(alias: str) -> AnyState:
    if isinstance(caches[alias], RedisCache):
        return RedisRevocationState(alias)
    return CacheRevocationState(alias)


def _reset_states(*, setting: str = "CACHES", **kwargs: Any) -> None:
    if setting in ("CACHES", "TOKENS"):
        _states.clear()


setting_changed.connect(_reset_states, dispatch_uid="tokens_state_reset")
os.register_at_fork(after_in_child=_reset_states)
