"""The collaboration network: public projects only, drawn, tabled and filtered alike."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from alliance import network
from members.enums import InstitutionStatus
from members.tests.factories import FocusAreaFactory, InstitutionFactory
from projects.enums import ParticipationStatus, Stage, Visibility
from projects.selectors import collaboration_network
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def _project(*, stage, lead, partners=(), others=(), **kwargs):
    """A proposal led by ``lead`` with confirmed ``partners`` and (status, institution) ``others``."""
    proposal = ProposalFactory(stage=stage, lead_institution=lead, **kwargs)
    for institution in partners:
        ParticipationFactory(proposal=proposal, institution=institution)
    for status, institution in others:
        ParticipationFactory(proposal=proposal, institution=institution, status=status)
    return proposal


@pytest.fixture
def alliance():
    robotics = FocusAreaFactory(name="Robotics", slug="robotics")
    health = FocusAreaFactory(name="Health", slug="health")
    tum = InstitutionFactory(name="TU Munich", short_name="TUM", country="DE")
    ibm = InstitutionFactory(name="IBM Research", short_name="IBM", country="US")
    inria = InstitutionFactory(name="Inria", short_name="", country="FR")
    lonely = InstitutionFactory(name="Lonely Lab", short_name="LL", country="DE")
    riken = InstitutionFactory(name="Riken", short_name="", country="JP")
    suspended = InstitutionFactory(
        name="Suspended Institute", country="DE", status=InstitutionStatus.SUSPENDED
    )
    _project(stage=Stage.DRIVE, focus_area=robotics, lead=tum, partners=[ibm, inria])
    _project(
        stage=Stage.APPROVED,
        focus_area=robotics,
        lead=tum,
        partners=[ibm],
        # Accepted but not confirmed by its institution: not in the consortium.
        others=[(ParticipationStatus.ACCEPTED, riken)],
    )
    _project(stage=Stage.COMPLETED, focus_area=health, lead=inria, partners=[ibm])
    _project(stage=Stage.PAUSED, focus_area=health, lead=lonely)
    # A suspended institution is not shown, nor its collaborations.
    _project(stage=Stage.APPROVED, focus_area=health, lead=tum, partners=[suspended])
    # Hidden projects make no node and no edge: Riken works with TU Munich only in them.
    for title, stage, visibility in [
        ("Secret draft", Stage.DRAFT, Visibility.OPEN_CALL),
        ("Secret define", Stage.DEFINE, Visibility.OPEN_CALL),
        ("Secret review", Stage.REVIEW, Visibility.OPEN_CALL),
        ("Secret confidential", Stage.DEFINE, Visibility.CONFIDENTIAL),
        ("Secret declined", Stage.DECLINED, Visibility.OPEN_CALL),
    ]:
        _project(
            stage=stage,
            title=title,
            visibility=visibility,
            focus_area=robotics,
            lead=riken,
            partners=[tum, ibm],
        )
    return {"tum": tum, "ibm": ibm, "inria": inria, "lonely": lonely, "riken": riken}


def _picture(content: str, drawing: str = "wide") -> dict:
    """One of the SVGs, parsed as XML (so it is well-formed), and the numbers' tables."""
    pattern = rf'<svg class="network__svg network__svg--{drawing}".*?</svg>'
    svg = ET.fromstring(re.search(pattern, content, re.S).group(0))
    nodes = {
        node.find("title").text: node.get("href")
        for node in svg.iter("a")
        if "network__node" in node.get("class")
    }
    edges = {
        (line.find("title").text if line.find("title") is not None else index): line.get(
            "stroke-width"
        )
        for index, line in enumerate(svg.iter("line"))
    }
    labels = [text.text for text in svg.iter("text")]
    tables = re.findall(r"<table[^>]*>.*?</table>", content, re.S)
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for table in tables
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
    ]
    return {
        "title": svg.find("title").text,
        "desc": svg.find("desc").text,
        "nodes": nodes,
        "edges": edges,
        "labels": labels,
        "rows": rows,
    }


def test_network_selector_counts_public_projects_and_confirmed_consortia(alliance):
    result = collaboration_network()

    tum, ibm, inria = alliance["tum"], alliance["ibm"], alliance["inria"]
    assert [(i.name, i.projects, i.partners) for i in result.institutions] == [
        ("IBM Research", 3, 2),
        ("Inria", 2, 2),
        ("Lonely Lab", 1, 0),
        ("TU Munich", 3, 2),
    ]
    assert result.joint_projects == {
        tuple(sorted((tum.pk, ibm.pk))): 2,
        tuple(sorted((tum.pk, inria.pk))): 1,
        tuple(sorted((ibm.pk, inria.pk))): 2,
    }


def test_network_page_draws_nodes_edges_and_their_numbers(client, alliance):
    response = client.get(reverse("network"))

    content = response.content.decode()
    picture = _picture(content)
    assert response.status_code == 200
    assert picture["title"] == "Who works with whom"
    assert picture["desc"] == (
        "4 institutions with public projects; the most connected: IBM Research (2 partners), "
        "TU Munich (2 partners), Inria (2 partners); the strongest collaboration: "
        "IBM Research and Inria, 2 joint projects."
    )
    assert picture["nodes"] == {
        "IBM Research: 3 public projects, 2 partners": alliance["ibm"].get_absolute_url(),
        "Inria: 2 public projects, 2 partners": alliance["inria"].get_absolute_url(),
        "Lonely Lab: 1 public project, 0 partners": alliance["lonely"].get_absolute_url(),
        "TU Munich: 3 public projects, 2 partners": alliance["tum"].get_absolute_url(),
    }
    # Widths by weight: the heaviest 6, a single project 1.
    assert picture["edges"] == {
        "IBM Research and Inria: 2 joint projects": "6.0",
        "IBM Research and TU Munich: 2 joint projects": "6.0",
        "Inria and TU Munich: 1 joint project": "1.0",
    }
    assert sorted(picture["labels"]) == ["IBM", "Inria", "LL", "TUM"]
    # The phone's drawing: the same nodes, lines and names, placed for a narrow screen.
    phone = _picture(content, "narrow")
    assert (phone["nodes"], sorted(phone["edges"].values()), sorted(phone["labels"])) == (
        picture["nodes"],
        sorted(picture["edges"].values()),
        sorted(picture["labels"]),
    )
    assert picture["rows"] == [
        ["IBM Research", "United States of America", "3", "2"],
        ["TU Munich", "Germany", "3", "2"],
        ["Inria", "France", "2", "2"],
        ["Lonely Lab", "Germany", "1", "0"],
        ["IBM Research – Inria", "2"],
        ["IBM Research – TU Munich", "2"],
        ["Inria – TU Munich", "1"],
    ]


def test_network_page_shows_nothing_of_hidden_projects_to_anyone(client, coordinator, alliance):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(coordinator)
        content = client.get(reverse("network")).content.decode()

        assert ("Secret" in content, "Riken" in content, "Suspended" in content) == (
            False,
            False,
            False,
        )
        assert len(_picture(content)["nodes"]) == 4


def test_network_page_filters_by_focus_area(client, alliance):
    response = client.get(reverse("network"), {"focus_area": "robotics"})

    picture = _picture(response.content.decode())
    assert sorted(picture["nodes"]) == [
        "IBM Research: 2 public projects, 2 partners",
        "Inria: 1 public project, 2 partners",
        "TU Munich: 2 public projects, 2 partners",
    ]
    assert picture["edges"] == {
        "IBM Research and TU Munich: 2 joint projects": "6.0",
        "IBM Research and Inria: 1 joint project": "1.0",
        "Inria and TU Munich: 1 joint project": "1.0",
    }
    assert '<option value="robotics" selected>Robotics</option>' in response.content.decode()


def test_network_page_filters_by_country_with_partners_abroad(client, alliance):
    response = client.get(reverse("network"), {"country": "FR"})

    content = response.content.decode()
    picture = _picture(content)
    # The projects Inria takes part in, with all their members; Inria drawn as chosen.
    assert sorted(picture["nodes"]) == [
        "IBM Research: 2 public projects, 2 partners",
        "Inria: 2 public projects, 2 partners",
        "TU Munich: 1 public project, 2 partners",
    ]
    assert picture["edges"] == {
        "IBM Research and Inria: 2 joint projects": "6.0",
        "IBM Research and TU Munich: 1 joint project": "1.0",
        "Inria and TU Munich: 1 joint project": "1.0",
    }
    assert content.count("network__node--chosen") == 2  # in each drawing
    assert re.search(r'network__node--chosen"\s+href="([^"]+)"', content).group(1) == (
        alliance["inria"].get_absolute_url()
    )


def test_network_page_ignores_an_unknown_filter_and_says_when_nothing_matches(client, alliance):
    unknown = client.get(reverse("network"), {"country": "ZZ", "focus_area": "nope"})
    empty_area = FocusAreaFactory(name="Quantum", slug="quantum")
    empty = client.get(reverse("network"), {"focus_area": empty_area.slug})

    assert len(_picture(unknown.content.decode())["nodes"]) == 4
    assert _picture(empty.content.decode())["nodes"] == {}
    assert "No public projects match these filters." in empty.content.decode()


def test_network_page_answers_htmx_with_the_picture_alone(client, alliance):
    response = client.get(reverse("network"), {"focus_area": "health"}, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert content.lstrip().startswith('<section id="network"')
    assert "<h1>" not in content
    assert response["Vary"] == "HX-Request, Accept-Language"


def test_network_draws_the_most_connected_institutions_when_there_are_many(
    client, alliance, monkeypatch
):
    monkeypatch.setattr(network, "NODE_LIMIT", 2)
    monkeypatch.setattr(network, "EDGE_LIMIT", 1)

    content = client.get(reverse("network")).content.decode()

    picture = _picture(content)
    assert sorted(picture["nodes"]) == [
        "IBM Research: 3 public projects, 2 partners",
        "TU Munich: 3 public projects, 2 partners",
    ]
    assert list(picture["edges"]) == ["IBM Research and TU Munich: 2 joint projects"]
    assert "The picture shows the 2 most connected of 4 institutions." in content


def test_network_layout_is_the_same_every_time_and_inside_its_margins(alliance):
    first = network.network_chart(collaboration_network())
    second = network.network_chart(collaboration_network())

    for one, other in zip(first.drawings, second.drawings, strict=True):
        assert [(n.x, n.y) for n in one.nodes] == [(n.x, n.y) for n in other.nodes]
        inside = [
            (
                n.x - n.radius >= network.MARGIN,
                n.x + n.radius <= one.width - network.MARGIN,
                n.y - n.radius >= network.MARGIN,
                n.y + n.radius <= one.height - network.MARGIN,
            )
            for n in one.nodes
        ]
        assert inside == [(True, True, True, True)] * 4


def test_network_is_linked_from_the_overview_and_the_footer(client):
    content = client.get(reverse("overview")).content.decode()

    assert content.count(f'href="{reverse("network")}"') == 2


def _hub_with_partners(hub, n: int) -> None:
    """``n`` more institutions, each leading a public project with ``hub`` as partner."""
    for _ in range(n):
        proposal = ProposalFactory(stage=Stage.DRIVE, lead_institution=InstitutionFactory())
        ParticipationFactory(proposal=proposal, institution=hub)


def test_network_queries_are_the_same_for_1_and_50_institutions(client, django_assert_num_queries):
    hub = ProposalFactory(stage=Stage.DRIVE).lead_institution
    with django_assert_num_queries(4):
        assert client.get(reverse("network")).status_code == 200
    _hub_with_partners(hub, 49)
    with django_assert_num_queries(4):
        response = client.get(reverse("network"))

    assert len(_picture(response.content.decode())["nodes"]) == 50


def test_network_picture_is_cached_until_public_data_changes(
    client, alliance, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from core.pagecache import public_data_changed, public_version_bump

    public_version_bump()
    client.get(reverse("network"))
    # The filters' choices are read; the picture comes from the cache.
    with django_assert_num_queries(2):
        cached = client.get(reverse("network"))
    with django_capture_on_commit_callbacks(execute=True):
        public_data_changed()
    with django_assert_num_queries(4):
        fresh = client.get(reverse("network"))

    assert cached.context["chart"] == fresh.context["chart"]


def test_network_draws_the_chosen_country_first_when_there_are_many(client, alliance, monkeypatch):
    monkeypatch.setattr(network, "NODE_LIMIT", 2)

    content = client.get(reverse("network"), {"country": "FR"}).content.decode()

    # Inria, of France, first; then the most connected of the others.
    assert sorted(_picture(content)["nodes"]) == [
        "IBM Research: 2 public projects, 2 partners",
        "Inria: 2 public projects, 2 partners",
    ]
    assert (
        "The picture shows 2 of 3 institutions: those of the chosen country first, then their "
        "most connected partners."
    ) in content
