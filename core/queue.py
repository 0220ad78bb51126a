"""Hand work to Celery without ever failing (or stalling) the request that asks for it."""

from __future__ import annotations

import logging

from celery import current_app

logger = logging.getLogger(__name__)


def registered_task(name: str):
    """The registered task called ``name``, importing the apps' task modules on first need."""
    app = current_app
    if name not in app.tasks:
        # Outside a worker nothing imports the autodiscovered ``tasks`` modules until asked.
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(task_name: str, **kwargs) -> bool:
    """Send the task named ``task_name`` with ``kwargs``; False when the broker refused it.

    By name, so that a lower layer can start a task that a higher one defines. Eager mode
    (the embedded default) runs it here and now. A broker outage is logged, never raised:
    every caller has a sweeper or a fallback that catches up.
    """
    try:
        task = registered_task(task_name)
        task.apply_async(kwargs=kwargs)
    except Exception:
        logger.warning(
            "Could not enqueue %s%r; it will be caught up", task_name, kwargs, exc_info=True
        )
        return False
    return True
