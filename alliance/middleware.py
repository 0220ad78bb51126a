"""Answer 503 "try again in a moment" while the database does not answer, instead of a bare 500."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Seconds a client (or a proxy) should wait before it tries again: a database restart
# takes a few seconds.
RETRY_AFTER = 10


def _unreachable(connection: BaseDatabaseWrapper) -> bool:
    """Tell whether this connection failed because the database does not answer."""
    if not connection.errors_occurred:
        return False
    # The connect itself failed, or the server went away under an open connection. An error
    # on a connection that still works (a bad query, a lock) is a bug: it stays a 500.
    return connection.connection is None or not connection.is_usable()


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection into a 503 page with Retry-After, logged once per outage.

    The broken connection is closed, so that the next request connects afresh and the site
    recovers by itself when the database is back.
    """

    # Since when this process has seen the database down (None: it answers); shared by the
    # server's threads so an outage is logged once, not once per request.
    _down_since: float | None = None
    _lock = threading.Lock()

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            self._down_since is not None
            and not getattr(response, "database_unavailable", False)
            and any(c.connection is not None for c in connections.all(initialized_only=True))
        ):
            self._recovered()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        broken = [c for c in connections.all(initialized_only=True) if _unreachable(c)]
        if not broken:
            return None
        for connection in broken:
            connection.close()
        self._went_down(exception)
        response = HttpResponse(
            render_to_string("503.html", request=request),
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER)
        response.database_unavailable = True  # type: ignore[attr-defined]
        # Logged once per outage above; Django would log every 503 response again.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    @classmethod
    def _went_down(cls, exception: Exception) -> None:
        with cls._lock:
            if cls._down_since is not None:
                return
            cls._down_since = time.monotonic()
        logger.error(
            "The database does not answer; requests get 503 until it does: %s",
            " ".join(str(exception).split()),
        )

    @classmethod
    def _recovered(cls) -> None:
        with cls._lock:
            if cls._down_since is None:
                return
            seconds = time.monotonic() - cls._down_since
            cls._down_since = None
        logger.warning("The database answers again, after %.0f s.", seconds)
