"""The process-wide matching index, its version in the shared cache, and invalidation.

Every process keeps the index it last used. A version number in Django's cache says
which one is current: ``invalidate()`` bumps it once the transaction commits and enqueues
``task_rebuild_matching_index``, which builds the new index and shares it through the
cache, so web processes load it instead of building it. When no worker has built it,
``get_index()`` builds it itself (a broker outage slows a request, it never fails one);
while a worker is expected to finish, a process may serve the previous index for up to
STALE_GRACE seconds. Services announce their changes (``invalidate()``, and the members
app's ``profiles_changed``); a cheap fingerprint of institutions and memberships
(``freshness.data_fingerprint``) catches part of what bypasses them: institutions edited
in the admin, memberships added or deleted, bulk loads, another test's data. Its docstring
says what it misses. Nothing heavy is imported here: the signal receivers live here and
are connected at startup.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core.queue import enqueue
from projects.matching.freshness import data_fingerprint

if TYPE_CHECKING:
    from projects.matching.index import MatchingIndex

logger = logging.getLogger(__name__)

VERSION_KEY = "matching:version"
BUMPED_KEY = "matching:bumped-at"
# The number after "index" is the index's layout: raise it when what an index holds changes,
# so that no process loads one that older code built (2: public proposals' texts only,
# and the alliance's countries; 3: dense embeddings of the texts).
INDEX_KEY = "matching:index:3:{version}"
INDEX_TIMEOUT = 60 * 60 * 24
STALE_GRACE = 30.0

_lock = threading.Lock()
_local: MatchingIndex | None = None


def _cache_call(method: str, *args, **kwargs):
    """A cache call that logs and answers None when the cache (Redis) is unreachable."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:
        logger.warning("Cache unavailable for matching (%s)", method, exc_info=True)
        return None


def current_version() -> int | None:
    """The current index version; None when the shared cache cannot be reached."""
    version = _cache_call("get", VERSION_KEY)
    if version is None:
        # Start from the clock, so a flushed cache never brings back an old number.
        _cache_call("add", VERSION_KEY, time.time_ns() // 1000, timeout=None)
        version = _cache_call("get", VERSION_KEY)
    return None if version is None else int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet
        current_version()
    except Exception:
        logger.warning("Could not bump the matching index version", exc_info=True)
        return
    _cache_call("set", BUMPED_KEY, time.time(), timeout=None)


def _share(index: MatchingIndex) -> None:
    if index.version is not None:
        _cache_call("set", INDEX_KEY.format(version=index.version), index, timeout=INDEX_TIMEOUT)


def _fresh(index: MatchingIndex | None, version: int | None, fingerprint: tuple) -> bool:
    return (
        index is not None
        and (version is None or index.version == version)
        and index.fingerprint == fingerprint
    )


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def get_index() -> MatchingIndex:
    """The current index: this process's, the one a worker shared, or a fresh build."""
    global _local
    version = current_version()
    fingerprint = data_fingerprint()
    local = _local
    if _fresh(local, version, fingerprint):
        return local
    with _lock:
        local = _local
        if _fresh(local, version, fingerprint):
            return local
        if version is not None:
            shared = _cache_call("get", INDEX_KEY.format(version=version))
            if _fresh(shared, version, fingerprint):
                _local = shared
                return shared
        if local is not None and local.version != version and not _eager():
            bumped = _cache_call("get", BUMPED_KEY)
            if bumped is not None and time.time() - bumped < STALE_GRACE:
                return local  # a worker is building the new one
        # Not at the top: this module loads at startup, the index needs NumPy and SciPy.
        from projects.matching.index import build_index

        index = build_index(version=version)
        _share(index)
        _local = index
        return index


def resolve_index(index: MatchingIndex | None) -> MatchingIndex:
    """The given index, or the process's current one."""
    return index if index is not None else get_index()


def rebuild() -> int | None:
    """Build the index of the current version unless someone already shared it (the task body)."""
    global _local
    version = current_version()
    shared = _cache_call("get", INDEX_KEY.format(version=version)) if version is not None else None
    if _fresh(shared, version, data_fingerprint()):
        return version
    from projects.matching.index import build_index  # not at startup, see get_index()

    index = build_index(version=version)
    _share(index)
    with _lock:
        _local = index
    return version


def _bump_and_enqueue() -> None:
    _bump()
    # By name: the task module imports this one. A broker outage only delays the rebuild,
    # get_index() builds the index itself when no worker has shared it.
    enqueue("projects.tasks.task_rebuild_matching_index")


def _already_scheduled() -> bool:
    """Whether the current transaction already asked for a rebuild (one per transaction)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    try:
        return any(entry[1] is _bump_and_enqueue for entry in connection.run_on_commit)
    except (AttributeError, IndexError, TypeError):
        return False


def invalidate() -> None:
    """Mark the index stale when the current transaction commits, and enqueue its rebuild."""
    if not _already_scheduled():
        transaction.on_commit(_bump_and_enqueue)


def reset() -> None:
    """Drop this process's index and bump the version now (tests, bulk loads)."""
    global _local
    with _lock:
        _local = None
    _bump()


# Signal receiver (connected in ProjectsConfig.ready): members cannot import projects ----


def on_profiles_changed(sender, **kwargs) -> None:
    invalidate()
