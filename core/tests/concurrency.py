"""Requests sent at the same moment, as a double click or a retried request sends them."""

from __future__ import annotations

import threading

from django.db import connections
from django.test import Client


def logged_in(user) -> Client:
    """A client signed in as ``user`` that answers a server error instead of raising it."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def post_at_once(clients: list[Client], url: str, data: dict | list[dict]) -> list:
    """Post from each client in its own thread, released together; the responses in order.

    ``data`` is one form for all clients or one per client.
    """
    forms = data if isinstance(data, list) else [data] * len(clients)
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def post(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = clients[index].post(url, forms[index])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses
