"""The database does not answer: requests get a 503 page with Retry-After, logged once."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest
from django.db import connection, connections
from django.urls import include, path, reverse

from alliance.middleware import DatabaseUnavailableMiddleware

# No transaction around the test: the middleware closes the broken connection, which a
# test transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)

DOWN_MESSAGE = "The database does not answer; requests get 503 until it does"


def bad_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")


def connection_lost(request):
    # What a PostgreSQL restart does to the connection a request is using.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


urlpatterns = [
    path("", include("alliance.urls")),
    path("bad-query/", bad_query),
    path("connection-lost/", connection_lost),
]


@pytest.fixture
def database():
    """Switch the default connection between its database and an address where none answers."""
    connection = connections["default"]
    reachable = connection.settings_dict
    if connection.vendor == "sqlite":
        unreachable = {**reachable, "NAME": "/nonexistent-directory/alliance.sqlite3"}
    else:
        unreachable = {**reachable, "HOST": "127.0.0.1", "PORT": "1"}  # nothing listens there

    # SQLite's in-memory test database lives only while a connection to it is open.
    keeper = (
        sqlite3.connect(reachable["NAME"], uri=True)
        if connection.vendor == "sqlite" and connection.is_in_memory_db()
        else None
    )

    class Switch:
        def down(self) -> None:
            connection.settings_dict = unreachable
            connection.close()

        def up(self) -> None:
            connection.close()
            connection.settings_dict = reachable

    yield Switch()
    Switch().up()
    DatabaseUnavailableMiddleware._down_since = None
    if keeper is not None:
        connection.ensure_connection()  # before the keeper lets go of the database
        keeper.close()


def text_of(tag: str, content: bytes) -> list[str]:
    found = re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", content.decode(), flags=re.S)
    return [" ".join(text.split()) for text in found]


def test_request_while_the_database_is_down_answers_503_with_retry_after(client, database):
    database.down()

    response = client.get(reverse("home"))

    assert (response.status_code, response["Retry-After"]) == (503, "10")
    assert text_of("h1", response.content) == ["Back in a moment"]
    assert text_of("p", response.content) == [
        "Alliance Hub cannot reach its database just now. Please try again in a moment.",
        "If you were saving something, it was not saved: send it again once the page loads.",
    ]
    # The Content Security Policy holds on this page too: no inline style or script.
    assert re.findall(rb"<style|style=|<script", response.content) == []


def test_database_outage_is_logged_once_and_the_site_recovers_by_itself(client, database, caplog):
    caplog.set_level(logging.INFO)
    database.down()

    down = [client.get(reverse("home")).status_code for _ in range(3)]
    database.up()
    up = [client.get(reverse("home")).status_code for _ in range(2)]

    assert (down, up) == ([503, 503, 503], [200, 200])
    logged = [
        (
            record.name,
            record.levelname,
            re.sub(r"after \d+ s", "after N s", record.getMessage().split(":")[0]),
        )
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ]
    assert logged == [
        ("alliance.middleware", "ERROR", DOWN_MESSAGE),
        ("alliance.middleware", "WARNING", "The database answers again, after N s."),
    ]


@pytest.mark.urls(__name__)
def test_database_error_on_a_working_connection_stays_a_500(client, database):
    # A bad query is a bug, not an outage: it must not hide behind "try again".
    client.raise_request_exception = False

    response = client.get("/bad-query/")

    assert response.status_code == 500


@pytest.mark.urls(__name__)
def test_connection_lost_during_a_request_answers_503_and_the_next_reconnects(
    client, database, caplog
):
    if connection.vendor != "postgresql":
        pytest.skip("terminates a PostgreSQL backend")

    lost = client.get("/connection-lost/")
    after = client.get(reverse("home"))

    assert (lost.status_code, lost["Retry-After"], after.status_code) == (503, "10", 200)
    assert [record.levelname for record in caplog.records if record.levelno >= logging.WARNING] == [
        "ERROR",
        "WARNING",
    ]
