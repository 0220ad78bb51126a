"""The page benchmark's own parts, on a small alliance: what it loads must be real pages."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.bench import scratch_database_create
from projects.management.commands import bench_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def alliance():
    call_command(
        "seed_scale",
        "--institutions",
        "8",
        "--people",
        "80",
        "--proposals",
        "120",
        "--seed",
        str(bench_pages.SEED),
        stdout=StringIO(),
    )


def test_bench_pages_load_a_page_of_each_kind_as_the_role_that_uses_it(alliance):
    roles = bench_pages._roles()
    pages = bench_pages._pages(roles)

    assert all(user is not None for role, user in roles.items() if role != "visitor")
    assert {page.role for page in pages} == set(roles)
    assert {
        "bare view",
        "home",
        "proposal list",
        "find partners",
        "whole consortia",
        "pipeline",
        "review queue",
        "reviewer inbox",
        "sign-offs",
        "search",
        "overview",
        "feed",
        "proposal export",
        "institution dashboard",
    } <= {page.name for page in pages}
    assert len({(page.name, page.role) for page in pages}) == len(pages)


def test_bench_pages_measure_each_page_alone_and_refuse_one_that_fails(alliance):
    roles = bench_pages._roles()
    pages = bench_pages._pages(roles)
    command = bench_pages.Command()

    measured = command._alone(pages, roles, "k" * 50)
    broken = bench_pages.Page("missing", "visitor", "/no-such-page/")

    assert set(measured) == set(pages)
    assert all(a.rendered_queries >= 1 and a.rendered_ms > 0 for a in measured.values())
    assert all(a.queries <= a.rendered_queries for a in measured.values())
    with pytest.raises(CommandError, match="answered 404"):
        command._alone([broken], roles, "k" * 50)


def test_bench_pages_reuse_an_alliance_of_the_same_size_only(alliance):
    assert bench_pages._seeded(institutions=8, people=80, proposals=120)
    assert not bench_pages._seeded(institutions=8, people=80, proposals=121)


def test_bench_pages_write_one_json_line_per_figure(capsys):
    page = bench_pages.Page("home", "visitor", "/")

    bench_pages._line("p95", page, 12.5, "ms")

    assert json.loads(capsys.readouterr().out) == {
        "figure": "p95",
        "page": "home",
        "role": "visitor",
        "value": 12.5,
        "unit": "ms",
    }


def test_bench_pages_refuse_a_database_that_is_no_scratch_one(settings):
    with pytest.raises(CommandError, match="no scratch database"):
        scratch_database_create()
