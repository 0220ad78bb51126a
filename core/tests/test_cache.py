"""The Redis cache: one redis-py client per server, shared by threads, and still degrading."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from core import circuit
from core.cache import ResilientRedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")


@pytest.fixture
def cache():
    circuit.close()
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-shared-client"})
    yield cache
    cache.clear()
    circuit.close()


def test_cache_keeps_one_redis_client_for_reads_and_writes(cache):
    client = cache._cache.get_client()

    cache.set("page", "body")

    assert cache.get("page") == "body"
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("another key") is client


def test_threads_share_the_client_without_mixing_their_answers(cache):
    def round_trip(n: int) -> tuple[int, object]:
        for _ in range(20):
            cache.set(f"key-{n}", n)
            got = cache.get_many([f"key-{n}", "missing"])
        return n, got

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(round_trip, range(16)))

    assert answers == [(n, {f"key-{n}": n}) for n in range(16)]
