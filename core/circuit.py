"""Remember, per server, that it just failed to answer, so callers skip it for a few seconds.

Redis is broker and cache. A Redis that accepts connections but does not answer (frozen,
overloaded) costs every call its full socket timeout; a request that touches the cache
twice and enqueues twice would wait four timeouts. After one call timed out, the others
skip the server at once for ``OPEN_FOR`` seconds (the cache answers misses, publishing
reports failure and the sweepers catch up), so a request waits one timeout at most. Cache
and broker on the same server share the state: whichever notices first spares the other.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

OPEN_FOR = 5.0

_lock = threading.Lock()
_open_until: dict[str, float] = {}


def _server(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"


def is_open(url: str) -> bool:
    """True while the server of ``url`` is being skipped after a failure."""
    until = _open_until.get(_server(url))
    return until is not None and time.monotonic() < until


def trip(url: str) -> None:
    """Skip the server of ``url`` for the next ``OPEN_FOR`` seconds."""
    with _lock:
        _open_until[_server(url)] = time.monotonic() + OPEN_FOR


def close(url: str | None = None) -> None:
    """Forget the failure of the server of ``url`` (of every server without one)."""
    with _lock:
        if url is None:
            _open_until.clear()
        else:
            _open_until.pop(_server(url), None)
