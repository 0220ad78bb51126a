"""The alliance overview: figures of the public projects only, drawn and tabled alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from members.tests.factories import FocusAreaFactory, InstitutionFactory
from projects.enums import Stage, Visibility
from projects.models import Proposal, StageTransition
from projects.selectors import alliance_overview
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
HIDDEN_TITLES = ["Secret draft", "Secret define", "Secret review", "Secret confidential"]


def _proposal(*, stage, moves, created=START, **kwargs) -> Proposal:
    """A proposal created at ``created`` that moved along ``moves`` (from, to, days after)."""
    proposal = ProposalFactory(stage=stage, **kwargs)
    Proposal.objects.filter(pk=proposal.pk).update(created_at=created)
    for from_stage, to_stage, days in moves:
        move = StageTransition.objects.create(
            proposal=proposal, from_stage=from_stage, to_stage=to_stage, actor=proposal.lead
        )
        StageTransition.objects.filter(pk=move.pk).update(created_at=created + timedelta(days=days))
    return proposal


@pytest.fixture
def alliance():
    robotics, health = FocusAreaFactory(name="Robotics"), FocusAreaFactory(name="Health")
    hidden_area = FocusAreaFactory(name="Quantum secrets")
    germany, france = InstitutionFactory(country="DE"), InstitutionFactory(country="FR")
    japan = InstitutionFactory(country="JP")
    _proposal(
        stage=Stage.DRIVE,
        focus_area=robotics,
        lead_institution=germany,
        moves=[
            (Stage.DRAFT, Stage.DEFINE, 2),
            (Stage.DEFINE, Stage.REVIEW, 6),
            (Stage.REVIEW, Stage.APPROVED, 10),
            (Stage.APPROVED, Stage.DRIVE, 14),
        ],
    )
    _proposal(
        stage=Stage.APPROVED,
        focus_area=health,
        lead_institution=france,
        moves=[
            (Stage.DRAFT, Stage.DEFINE, 4),
            (Stage.DEFINE, Stage.REVIEW, 8),
            (Stage.REVIEW, Stage.APPROVED, 20),
        ],
    )
    completed = _proposal(
        stage=Stage.COMPLETED, focus_area=robotics, lead_institution=germany, moves=[]
    )
    Proposal.objects.filter(pk=completed.pk).update(
        stage_changed_at=datetime(2026, 5, 2, 12, tzinfo=UTC)
    )
    hidden_moves = [(Stage.DRAFT, Stage.DEFINE, 100), (Stage.DEFINE, Stage.REVIEW, 200)]
    for title, stage, visibility in [
        ("Secret draft", Stage.DRAFT, Visibility.OPEN_CALL),
        ("Secret define", Stage.DEFINE, Visibility.OPEN_CALL),
        ("Secret review", Stage.REVIEW, Visibility.OPEN_CALL),
        ("Secret confidential", Stage.DEFINE, Visibility.CONFIDENTIAL),
    ]:
        _proposal(
            stage=stage,
            title=title,
            visibility=visibility,
            focus_area=hidden_area,
            lead_institution=japan,
            moves=hidden_moves,
        )


def test_overview_figures_count_the_public_projects_exactly(alliance):
    figures = alliance_overview(now=NOW)

    assert figures.stages == [("Approved", 1), ("Drive", 1), ("Paused", 0), ("Completed", 1)]
    assert figures.focus_areas == [("Robotics", 2), ("Health", 1)]
    assert figures.countries == [("Germany", 2), ("France", 1)]
    assert figures.median_days == [
        ("Draft", 3.0),
        ("Define", 4.0),
        ("Review", 8.0),
        ("Approved", 4.0),
    ]
    assert figures.months == [
        ("July 2025", 0),
        ("August 2025", 0),
        ("September 2025", 0),
        ("October 2025", 0),
        ("November 2025", 0),
        ("December 2025", 0),
        ("January 2026", 0),
        ("February 2026", 0),
        ("March 2026", 2),
        ("April 2026", 0),
        ("May 2026", 1),
        ("June 2026", 0),
    ]


def test_overview_page_names_and_counts_no_hidden_proposal(client, alliance):
    response = client.get(reverse("overview"))

    content = response.content.decode()
    assert response.status_code == 200
    assert [title for title in HIDDEN_TITLES if title in content] == []
    assert ("Quantum secrets" in content, "Japan" in content) == (False, False)
    assert "Open calls" not in content


def _charts(content: str) -> list[dict]:
    charts = []
    for section in re.findall(r'<section class="card chart".*?</section>', content, re.S):
        charts.append(
            {
                "titles": re.findall(r"<title[^>]*>(.*?)</title>", section),
                "desc": re.findall(r"<desc[^>]*>(.*?)</desc>", section),
                "bars": len(re.findall(r'<rect class="chart__bar"', section)),
                "rows": re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', section, re.S),
            }
        )
    return charts


def test_overview_page_gives_each_chart_a_title_a_desc_and_its_numbers(client, alliance):
    response = client.get(reverse("overview"))

    charts = _charts(response.content.decode())
    assert len(charts) == 5
    for chart in charts:
        assert (len(chart["titles"]), len(chart["desc"])) == (1, 1)
        assert chart["bars"] == len(chart["rows"])
        assert chart["desc"][0] == "; ".join(f"{label}: {value}" for label, value in chart["rows"])
    assert charts[0]["rows"] == [
        ("Approved", "1"),
        ("Drive", "1"),
        ("Paused", "0"),
        ("Completed", "1"),
    ]
    assert charts[2]["rows"] == [("Germany", "2"), ("France", "1")]


def test_overview_bars_scale_to_the_largest_value(client, alliance):
    response = client.get(reverse("overview"))

    focus_section = re.search(
        r'id="chart-focus-areas-heading".*?</section>', response.content.decode(), re.S
    )
    widths = re.findall(r'<rect class="chart__bar"[^>]*width="([\d.]+)"', focus_section.group(0))
    assert widths == ["260.0", "130.0"]


def test_overview_is_linked_from_the_home_page(client):
    response = client.get(reverse("home"))

    assert response.content.decode().count(f'href="{reverse("overview")}"') == 2


def _public_projects(n: int) -> None:
    area, institution = FocusAreaFactory(slug="robotics"), InstitutionFactory()
    for _ in range(n):
        _proposal(
            stage=Stage.DRIVE,
            focus_area=area,
            lead_institution=institution,
            moves=[(Stage.DRAFT, Stage.DEFINE, 1), (Stage.REVIEW, Stage.APPROVED, 3)],
        )


def test_overview_queries_are_the_same_for_1_and_50_projects(client, django_assert_num_queries):
    _public_projects(1)
    with django_assert_num_queries(5):
        assert client.get(reverse("overview")).status_code == 200
    _public_projects(49)
    with django_assert_num_queries(5):
        assert client.get(reverse("overview")).status_code == 200


def test_overview_figures_are_cached_until_public_data_changes(
    client, alliance, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from core.pagecache import public_data_changed, public_version_bump

    public_version_bump()
    client.get(reverse("overview"))
    with django_assert_num_queries(0):
        cached = client.get(reverse("overview"))
    with django_capture_on_commit_callbacks(execute=True):
        public_data_changed()
    with django_assert_num_queries(5):
        fresh = client.get(reverse("overview"))

    assert cached.context["charts"] == fresh.context["charts"]
