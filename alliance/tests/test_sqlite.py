"""SQLite (the embedded default): writers wait their turn; the search runs on FTS5.

Each runs in a separate process against an SQLite file of the test's own, so it runs the
same wherever the suite's database is (PostgreSQL in CI).
"""

from __future__ import annotations

import json

from alliance.tests.sqlite_race import THREADS
from alliance.tests.test_settings import run_python

SUBMITTED = {"status": 302, "said": ["The proposal is now in Define."]}
# What the posts that lose the race answer on PostgreSQL too: refused, with the reason.
MOVED_ON = {
    "status": 200,
    "said": ["The proposal has moved on: it is now in Define. Reload to see the change."],
}
NOT_ON_OFFER = {"status": 302, "said": ["That action is not available for this proposal now."]}


def test_parallel_submits_on_sqlite_make_one_change_and_refuse_the_others_clearly(tmp_path):
    completed = run_python(
        "-m", "alliance.tests.sqlite_race", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )

    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.splitlines()[-1])
    answers = result["answers"]
    assert (result["transitions"], answers.count(SUBMITTED)) == (1, 1)
    # A post that arrives after the change sees the stage moved on before it asks.
    assert [a for a in answers if a not in (SUBMITTED, MOVED_ON, NOT_ON_OFFER)] == []
    assert len(answers) == THREADS
    assert "database is locked" not in completed.stderr


def test_search_tests_pass_on_sqlite_with_fts5(tmp_path):
    # The suite's database may be PostgreSQL: run the SQLite search tests on an SQLite file.
    completed = run_python(
        "-m",
        "pytest",
        "-q",
        "alliance/tests/test_search_sqlite.py",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    summary = completed.stdout.strip().splitlines()[-1]
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert ("passed" in summary, "skipped" in summary) == (True, False), summary
