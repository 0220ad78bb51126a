from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.tests.factories import FocusAreaFactory
from projects.enums import MilestoneStatus, Stage, Visibility
from projects.models import Milestone, StageTransition
from projects.tests.factories import ProposalFactory

ATOM = "{http://www.w3.org/2005/Atom}"

# Words that appear only in proposals no visitor may see.
HIDDEN_WORDS = ("Zanzibarquill", "Quokkavault", "Marzipanorb", "Obsidianwhisper")
PUBLIC = (Stage.APPROVED, Stage.DRIVE, Stage.PAUSED, Stage.COMPLETED)


def _feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip()
    return root


def _titles(root: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.findall(f"{ATOM}entry")]


def _made_public(proposal, when: datetime) -> None:
    StageTransition.objects.create(
        proposal=proposal,
        from_stage=Stage.REVIEW,
        to_stage=Stage.APPROVED,
        actor=proposal.lead,
        comment="Approved: the reason is for the lead alone.",
    )
    StageTransition.objects.filter(proposal=proposal).update(created_at=when)


def _done(proposal, title: str, when: datetime) -> Milestone:
    return Milestone.objects.create(
        proposal=proposal,
        title=title,
        due_date=when.date(),
        status=MilestoneStatus.DONE,
        done_at=when,
    )


def _feed_urls(area_slug: str) -> list[str]:
    return [
        reverse("projects:feed_projects"),
        reverse("projects:feed_milestones"),
        reverse("projects:feed_focus_area", kwargs={"slug": area_slug}),
    ]


@pytest.fixture
def area(db):
    return FocusAreaFactory(name="Robotics", slug="robotics")


@pytest.fixture
def hidden(area):
    """Draft, Define, Review and a confidential one (changes requested), each with a done milestone."""
    when = datetime(2026, 5, 1, tzinfo=UTC)
    made = [
        ProposalFactory(
            title=f"{word} project", summary=f"{word} summary", focus_area=area, stage=stage
        )
        for word, stage in zip(
            HIDDEN_WORDS[:3], (Stage.DRAFT, Stage.DEFINE, Stage.REVIEW), strict=True
        )
    ]
    made.append(
        ProposalFactory(
            title=f"{HIDDEN_WORDS[3]} project",
            summary=f"{HIDDEN_WORDS[3]} summary",
            focus_area=area,
            stage=Stage.CHANGES_REQUESTED,
            visibility=Visibility.CONFIDENTIAL,
        )
    )
    for proposal in made:
        _done(proposal, f"{proposal.title} milestone", when)
    return made


def test_feeds_parse_as_atom_and_list_only_public_projects(client, area, hidden):
    shown = [
        ProposalFactory(title=f"Public {stage} project", focus_area=area, stage=stage)
        for stage in PUBLIC
    ]
    for n, proposal in enumerate(shown):
        _done(proposal, "Dataset released", datetime(2026, 6, 1 + n, tzinfo=UTC))

    for url in _feed_urls(area.slug):
        body = client.get(url).content.decode()
        root = _feed(client, url)
        assert len(root.findall(f"{ATOM}entry")) == 4
        for word in HIDDEN_WORDS:
            assert word not in body
        assert "the reason is for the lead alone" not in body


def test_feed_entry_carries_title_link_summary_date_author_and_focus_area(client, area):
    proposal = ProposalFactory(
        title="Open robot hands",
        summary="Grip <b>things</b> & release them.",
        description="Secret plan in the description.",
        focus_area=area,
        stage=Stage.DRIVE,
    )
    _made_public(proposal, datetime(2026, 3, 2, 9, 30, tzinfo=UTC))

    root = _feed(client, reverse("projects:feed_projects"))

    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Open robot hands"
    link = entry.find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"http://testserver{proposal.get_absolute_url()}"
    # Escaped once more for type="html": a reader shows the summary as the lead wrote it.
    assert entry.findtext(f"{ATOM}summary") == "Grip &lt;b&gt;things&lt;/b&gt; &amp; release them."
    assert entry.findtext(f"{ATOM}updated") == "2026-03-02T09:30:00+00:00"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == proposal.lead_institution.name
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Robotics"]
    assert b"Secret plan" not in client.get(reverse("projects:feed_projects")).content


def test_feed_updated_is_the_newest_entrys(client, area):
    for day in (3, 9, 5):
        proposal = ProposalFactory(focus_area=area, stage=Stage.APPROVED)
        _made_public(proposal, datetime(2026, 4, day, tzinfo=UTC))
        _done(proposal, f"Milestone {day}", datetime(2026, 7, day, tzinfo=UTC))

    projects = _feed(client, reverse("projects:feed_projects"))
    milestones = _feed(client, reverse("projects:feed_milestones"))

    assert projects.findtext(f"{ATOM}updated") == "2026-04-09T00:00:00+00:00"
    assert [e.findtext(f"{ATOM}updated") for e in projects.findall(f"{ATOM}entry")] == [
        "2026-04-09T00:00:00+00:00",
        "2026-04-05T00:00:00+00:00",
        "2026-04-03T00:00:00+00:00",
    ]
    assert milestones.findtext(f"{ATOM}updated") == "2026-07-09T00:00:00+00:00"


def test_milestones_feed_lists_only_done_milestones_of_public_projects(client, area):
    proposal = ProposalFactory(title="Open robot hands", focus_area=area, stage=Stage.DRIVE)
    when = datetime(2026, 6, 1, tzinfo=UTC)
    done = _done(proposal, "Dataset released", when)
    Milestone.objects.create(proposal=proposal, title="Planned one", due_date=when.date())

    root = _feed(client, reverse("projects:feed_milestones"))

    assert _titles(root) == ["Open robot hands: Dataset released"]
    assert root.findtext(f"{ATOM}entry/{ATOM}id") == (
        f"http://testserver{proposal.get_absolute_url()}#milestone-{done.pk}"
    )


def test_focus_area_feed_filters_by_its_area_and_404s_on_an_unknown_one(client, area):
    ProposalFactory(title="Robot project", focus_area=area, stage=Stage.APPROVED)
    ProposalFactory(
        title="Climate project",
        focus_area=FocusAreaFactory(name="Climate", slug="climate"),
        stage=Stage.APPROVED,
    )

    root = _feed(client, reverse("projects:feed_focus_area", kwargs={"slug": "robotics"}))
    missing = client.get(reverse("projects:feed_focus_area", kwargs={"slug": "no-such-area"}))

    assert _titles(root) == ["Robot project"]
    assert root.findtext(f"{ATOM}title") == "Alliance Hub · new projects in Robotics"
    assert missing.status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("name", ["feed_projects", "feed_milestones", "feed_focus_area"])
def test_feed_queries(client, django_assert_num_queries, area, name, rows):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(rows):
        proposal = ProposalFactory(focus_area=area, stage=Stage.DRIVE)
        _done(proposal, f"Milestone {n}", start + timedelta(days=n))
    url = reverse(
        f"projects:{name}", kwargs={"slug": area.slug} if name == "feed_focus_area" else None
    )

    # The entries in one query; the focus-area feed reads its area first.
    with django_assert_num_queries(2 if name == "feed_focus_area" else 1):
        response = client.get(url)

    assert response.content.count(b"<entry>") == rows


def test_feeds_are_served_to_visitors_from_the_page_cache(client, page_cache, area):
    ProposalFactory(title="Robot project", focus_area=area, stage=Stage.APPROVED)
    url = reverse("projects:feed_projects")
    first = client.get(url)

    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)

    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.parametrize("path", ["/", "/proposals/", "/proposals/?focus_area=robotics"])
def test_pages_link_their_atom_feeds(client, area, path):
    ProposalFactory(focus_area=area, stage=Stage.APPROVED)
    html = client.get(path).content.decode()

    assert '<link rel="alternate"' in html
    assert 'type="application/atom+xml"' in html
    assert f'href="{reverse("projects:feed_projects")}"' in html
    assert ">Atom feed</a>" in html


def test_focus_area_list_links_its_feed_and_lists_only_its_projects(client, area):
    ProposalFactory(title="Robot project", focus_area=area, stage=Stage.APPROVED)
    ProposalFactory(
        title="Climate project",
        focus_area=FocusAreaFactory(name="Climate", slug="climate"),
        stage=Stage.APPROVED,
    )

    html = client.get("/proposals/?focus_area=robotics").content.decode()

    feed = reverse("projects:feed_focus_area", kwargs={"slug": "robotics"})
    assert html.count(f'href="{feed}"') == 2
    assert "Robot project" in html
    assert "Climate project" not in html
