"""Hand work to Celery without ever failing (or stalling) the request that asks for it."""

from __future__ import annotations

import logging

from celery import current_app
from kombu import serialization
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core import circuit

logger = logging.getLogger(__name__)

# What a broker that cannot be reached raises (kombu wraps most of it in OperationalError).
UNREACHABLE = (OperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def registered_task(name: str):
    """The registered task called ``name``, importing the apps' task modules on first need."""
    app = current_app
    if name not in app.tasks:
        # Outside a worker nothing imports the autodiscovered ``tasks`` modules until asked.
        app.loader.import_default_modules()
    return app.tasks[name]


def _run_here(app, task, kwargs: dict) -> None:
    """Run the task in this process, as Celery's eager ``apply_async`` does, minus the broker.

    Celery borrows a producer, and so a broker connection, from its pool even to run a task
    eagerly (only to serialise the arguments); without a broker that connection is made up
    (kombu logs "No hostname was supplied"). The arguments go through the serialiser here
    instead, so a task still sees what it would when sent through a broker.
    """
    content_type, encoding, data = serialization.dumps(kwargs, app.conf.task_serializer)
    task.apply(kwargs=serialization.loads(data, content_type, encoding, accept=[content_type]))


def enqueue(task_name: str, *, countdown: float | None = None, **kwargs) -> bool:
    """Send the task named ``task_name`` with ``kwargs``; False when the broker refused it.

    By name, so that a lower layer can start a task that a higher one defines. ``countdown``
    (seconds) holds it back that long. Eager mode (the embedded default) runs it here and
    now, countdown or not. A broker outage is logged, never raised:
    every caller has a sweeper or a fallback that catches up. After a publish timed out the
    broker is skipped for a few seconds (``core.circuit``): one request waits once at most.
    """
    app = current_app
    broker = app.conf.broker_url
    eager = app.conf.task_always_eager
    if not eager and circuit.is_open(broker):
        logger.warning("Broker skipped after a failure; %s%r will be caught up", task_name, kwargs)
        return False
    try:
        task = registered_task(task_name)
        if eager:
            _run_here(app, task, kwargs)
        else:
            task.apply_async(kwargs=kwargs, countdown=countdown)
    except Exception as error:
        # Eagerly, what failed was the task itself, not the broker.
        if not eager and isinstance(error, UNREACHABLE):
            circuit.trip(broker)
        logger.warning(
            "Could not enqueue %s%r; it will be caught up", task_name, kwargs, exc_info=True
        )
        return False
    return True
