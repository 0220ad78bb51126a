"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from django.test.utils import override_settings
from django.utils import translation

from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    RepresentativeFactory,
)

IN_CI = bool(os.environ.get("CI"))

# Browser (Playwright + system Chromium), real Celery worker, real SMTP server and the
# delivery fault tests' real parts.
pytest_plugins = [
    "alliance.tests.fixtures_browser",
    "alliance.tests.fixtures_celery",
    "alliance.tests.fixtures_smtp",
    "notifications.tests.harness",
]


def require(condition: bool, reason: str) -> None:
    """Skip a test whose real dependency is missing; in CI that is a failure instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI requires it: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache():
    """Give this run its own cache namespace so rate limits from earlier runs do not leak in."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    for config in caches.values():
        config["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(scope="session", autouse=True)
def _no_page_cache():
    """Pages render on every request unless a test asks for the cache (``page_cache``)."""
    with override_settings(PAGE_CACHE=False):
        yield


@pytest.fixture(scope="session", autouse=True)
def _no_api_rate_limit():
    """The API counts no request against a limit, but in the tests that set one."""
    with override_settings(API_RATE_LIMIT=0):
        yield


@pytest.fixture
def page_cache(settings):
    """Serve pages from the cache (visitors' and signed-in people's), starting empty."""
    from core.pagecache import data_version_bump, public_version_bump

    settings.PAGE_CACHE = True
    public_version_bump()
    data_version_bump()


@pytest.fixture(scope="session", autouse=True)
def _private_task_queue():
    """Tasks the tests enqueue on Redis go to a queue of this run's, deleted at the end.

    Without it every committed change in a test leaves a message on the shared default
    queue, for the next `make worker` on this machine to run against a missing database.
    """
    from alliance.celery import app

    if not settings.REDIS_URL:
        yield
        return
    queue = f"alliance-test-run-{uuid.uuid4().hex[:12]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = previous
        with app.connection_for_write() as connection:
            bound = app.amqp.queues[queue](connection.default_channel)
            bound.declare()
            bound.delete()


@pytest.fixture(scope="session", autouse=True)
def _no_persistent_connections():
    """Live-server threads would leave persistent connections that block dropping the test DB."""
    from django.db import connections

    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _fresh_alliance_figures():
    """The cached alliance-wide figures start empty: each test builds its own alliance.

    Dropping the public version drops what is keyed by it too (visitors' pages, the
    overview's figures), which an earlier test's alliance would otherwise still fill.
    """
    from django.core.cache import cache

    from core.pagecache import DATA_VERSION_KEY, VERSION_KEY
    from members.signals import ALLIANCE_FIGURES_KEY

    cache.delete_many([ALLIANCE_FIGURES_KEY, VERSION_KEY, DATA_VERSION_KEY])


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language.

    A request in German leaves German active in the test's thread (the locale middleware
    activates it and nothing switches back), so a later test that renders text outside a
    request would read German.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def institution(db):
    return InstitutionFactory(
        name="Technical University of Munich", short_name="TUM", slug="tum", domains=["tum.de"]
    )


@pytest.fixture
def representative(institution):
    return RepresentativeFactory(institution=institution).person


@pytest.fixture
def researcher(institution):
    return MembershipFactory(institution=institution).person


@pytest.fixture
def coordinator(db):
    return CoordinatorFactory()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in this process, as the embedded mode does, also when REDIS_URL is set."""
    from alliance.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
