"""Playwright driving the system Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps dialling out, which the closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    from conftest import require

    require(Path(CHROMIUM_PATH).exists(), f"Chromium not found at {CHROMIUM_PATH}")


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between browser steps are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleErrors(list):
    """Console errors of a page, CSP violations among them."""


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def signed_in_page(browser, live_server):
    """Open a new browser context signed in as ``user``; its console errors are collected."""
    contexts = []

    def open_page(user, password: str | None = None):
        from members.tests.factories import PASSWORD

        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors = ConsoleErrors()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password or PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/dashboard/")
        return page

    yield open_page
    for context in contexts:
        context.close()


class _RequestsInFlight:
    """Count the live server's requests between Django's request signals."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = threading.Condition()

    def started(self, **kwargs) -> None:
        with self.idle:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.idle:
            self.count = max(self.count - 1, 0)
            self.idle.notify_all()


@pytest.fixture(autouse=True)
def _live_server_requests_finish(request):
    """Let the live server finish the requests a browser left in flight before the flush.

    A request still reading when the test ends (a poll, a navigation the test did not wait
    for) holds its table locks while the database is emptied for the next test, and the
    two deadlock. This waits for it; it is torn down before the live server and the flush.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.core.signals import request_finished, request_started

    request.getfixturevalue("live_server")
    in_flight = _RequestsInFlight()
    request_started.connect(in_flight.started, weak=False)
    request_finished.connect(in_flight.finished, weak=False)
    try:
        yield
        with in_flight.idle:
            in_flight.idle.wait_for(lambda: in_flight.count == 0, timeout=10)
    finally:
        request_started.disconnect(in_flight.started)
        request_finished.disconnect(in_flight.finished)
