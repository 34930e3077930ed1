"""
Where the throttles' counts live: one bucket per scope and client, in a cache.

A bucket holds the moments of the requests counted in its window. A request
is decided and counted in one atomic step (``bucket_take``): a Lua script over
a sorted set on Redis, a lock in the process on any other cache; a request's
count can be given back (``bucket_give_back``). While the shared cache fails,
buckets live in each process's memory (``fallback_cache``); ``tokens.throttles``
decides which of the two a throttle counts in.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

# The per-process fallback -----------------------------------------------------

# Counters of the per-process fallback; enough for every client of an outage,
# and culled like any LocMemCache beyond that.
FALLBACK_MAX_ENTRIES = 50_000

_fallback_cache = LocMemCache(
    "tokens-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}}
)


def fallback_cache() -> BaseCache:
    """Return the per-process cache that counts while the shared one fails."""
    return _fallback_cache


# Buckets ----------------------------------------------------------------------

# One atomic step on Redis: drop the moments that left the window, then count
# this one if the window has room; otherwise answer the oldest moment counted.
TAKE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[5])
    return {1}
end
return {0, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
"""
# Other caches keep a bucket as one list; its read and write are made under
# this lock, which is atomic for a cache in the process's memory (LocMemCache,
# the fallback). A cache shared by processes other than Redis (memcached, the
# database) is counted atomically within each process only.
_bucket_lock = threading.Lock()


@dataclass(frozen=True)
class Take:
    """One request to count at *now* in a window of *duration* holding *limit*."""

    now: float
    duration: int
    limit: int
    member: str


def _redis_client(cache: RedisCache) -> Any:
    # Django's RedisCache has no sorted sets: its own redis-py client, which
    # every Django since 4.0 keeps there.
    return cache._cache.get_client(write=True)  # type: ignore[attr-defined]


def bucket_take(cache: BaseCache, key: str, take: Take) -> float | None:
    """
    Count *take* in the bucket *key* if its window has room and return None;
    otherwise return the oldest moment the window holds. Atomic on Redis.
    """
    if isinstance(cache, RedisCache):
        answer = _redis_client(cache).eval(
            TAKE_SCRIPT,
            1,
            cache.make_and_validate_key(key),
            repr(take.now),
            repr(take.now - take.duration),
            take.limit,
            take.member,
            math.ceil(take.duration * 1000),
        )
        return None if answer[0] == 1 else float(answer[1])
    with _bucket_lock:
        window = [
            (moment, member)
            for moment, member in cache.get(key, [])
            if moment > take.now - take.duration
        ]
        if len(window) >= take.limit:
            return float(min(moment for moment, _ in window))
        cache.set(key, [*window, (take.now, take.member)], take.duration)
        return None


def bucket_give_back(cache: BaseCache, key: str, member: str, duration: int) -> None:
    """Remove the request *member* from the bucket *key* (of a *duration* window)."""
    if isinstance(cache, RedisCache):
        _redis_client(cache).zrem(cache.make_and_validate_key(key), member)
        return
    with _bucket_lock:
        window = cache.get(key, [])
        kept = [(moment, m) for moment, m in window if m != member]
        if len(kept) != len(window):
            cache.set(key, kept, duration)
