"""A Redis cache that degrades to misses while Redis is unreachable.

Redis is both broker and cache. An outage may delay work (the outbox sweeper catches up)
but must not fail a request, so every cache call that cannot reach Redis logs once and
answers as a miss: reads return the default, writes are dropped, and allauth's rate
limits fail open until Redis is back. After a call failed, the next ones skip Redis for a few
seconds (``core.circuit``), so that a request waits for one timeout at most.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core import circuit

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(fallback):
    """Call the Redis method; when Redis is unreachable, log and return ``fallback(args)``."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            # Writes go to the first server: that is the one whose silence costs the wait.
            server = self._servers[0]
            if circuit.is_open(server):
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE:
                circuit.trip(server)
                logger.warning("Cache unreachable; %s answered as a miss", method.__name__)
                return fallback(*args, **kwargs)

        return wrapper

    return decorator


def _default(key, default=None, version=None):
    return default


class SharedRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one redis-py client per connection pool.

    Django builds a new ``redis.Redis`` for every cache call, and each copies redis-py's
    table of some 170 response callbacks: about a fifth of a page served from the cache.
    A ``redis.Redis`` takes a connection from its pool for each command, so threads share
    one safely.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # The stubs leave out Django's private helpers that this builds on.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            new = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._clients[id(pool)] = new
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    get = _degrade(_default)(RedisCache.get)
    get_many = _degrade(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _degrade(lambda key, version=None: False)(RedisCache.has_key)
    # A write that did not happen; add() says it did, so that locks built on it fail open.
    add = _degrade(lambda *args, **kwargs: True)(RedisCache.add)
    set = _degrade(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _degrade(lambda *args, **kwargs: [])(RedisCache.set_many)
    touch = _degrade(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _degrade(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _degrade(lambda *args, **kwargs: None)(RedisCache.delete_many)
    incr = _degrade(lambda key, delta=1, version=None: delta)(RedisCache.incr)
