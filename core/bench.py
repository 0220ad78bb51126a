"""What the benchmark commands share: the scratch database they seed and measure in."""

from __future__ import annotations

import psycopg
from django.core.management.base import CommandError
from django.db import connection


def scratch_database_create() -> None:
    """Create the configured database if missing; refuse one whose name is not bench*.

    The benchmarks empty and reseed it, so a name that could be a real database is refused.
    """
    database = connection.settings_dict
    name = database["NAME"]
    if not name.startswith("bench"):
        raise CommandError(f"{name!r} is no scratch database (its name must start with bench).")
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
