"""What the pages show: the pipeline board, revision diffs, milestones, reviewers, the queue."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxEvent
from members.tests.factories import (
    CompetenceFactory,
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
)
from projects.enums import AssignmentStatus, EventKind, ParticipationStatus, Stage, Visibility
from projects.models import Decision, Proposal, ReviewAssignment
from projects.services import milestone_create, proposal_decide, proposal_update, review_assign
from projects.tests.factories import (
    ParticipationFactory,
    ProposalCompetenceFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _squash(html: str) -> str:
    """Whitespace as a reader sees it: runs collapse to one space."""
    return re.sub(r"\s+", " ", html).strip()


def _section(html: str, start: str, end: str) -> str:
    """The markup between the first ``start`` and the next ``end``."""
    return html.split(start, 1)[1].split(end, 1)[0]


# The pipeline board ---------------------------------------------------------------------


def _board(html: str) -> dict[str, tuple[str, list[str]]]:
    """Each column of the board: its heading and the titles of its cards, top to bottom."""
    columns = {}
    for stage, body in re.findall(
        r'<section class="board__column" aria-labelledby="column-(\w+)">(.*?)</section>', html, re.S
    ):
        heading = _squash(re.sub(r"<[^>]+>", "", _section(body, "<h2", "</h2>").split(">", 1)[1]))
        cards = re.findall(r'<li class="board__card">\s*<a href="[^"]*">([^<]*)</a>', body)
        columns[stage] = (heading, cards)
    return columns


def test_pipeline_shows_every_stage_but_draft_with_its_proposals_oldest_first(client):
    now = timezone.now()
    waiting = {
        "Long in define": (Stage.DEFINE, 20),
        "Fresh in define": (Stage.DEFINE, 1),
        "Confidential call": (Stage.DEFINE, 5),
        "Under review": (Stage.REVIEW, 3),
        "Being driven": (Stage.DRIVE, 9),
        "Someone's draft": (Stage.DRAFT, 2),
    }
    for title, (stage, days) in waiting.items():
        proposal = ProposalFactory(
            title=title,
            stage=stage,
            visibility=Visibility.CONFIDENTIAL
            if title == "Confidential call"
            else Visibility.OPEN_CALL,
        )
        Proposal.objects.filter(pk=proposal.pk).update(stage_changed_at=now - timedelta(days=days))
    client.force_login(CoordinatorFactory())

    response = client.get(reverse("projects:pipeline"))

    assert _board(response.content.decode()) == {
        "define": ("Define (3)", ["Long in define", "Confidential call", "Fresh in define"]),
        "review": ("Review (1)", ["Under review"]),
        "changes_requested": ("Changes requested (0)", []),
        "approved": ("Approved (0)", []),
        "drive": ("Drive (1)", ["Being driven"]),
        "paused": ("Paused (0)", []),
        "completed": ("Completed (0)", []),
        "declined": ("Declined (0)", []),
        "withdrawn": ("Withdrawn (0)", []),
    }


def test_pipeline_is_404_for_everyone_but_coordinators(client):
    ProposalFactory(stage=Stage.REVIEW)
    proposal = ProposalFactory(stage=Stage.DEFINE)
    url = reverse("projects:pipeline")

    anonymous = client.get(url)
    client.force_login(MembershipFactory().person)
    researcher = client.get(url)
    client.force_login(proposal.lead)
    lead = client.get(url)

    assert anonymous["Location"] == f"{reverse('account_login')}?next={url}"
    assert (researcher.status_code, lead.status_code) == (404, 404)


# Revisions and their diff ---------------------------------------------------------------


def _diff(html: str) -> list[tuple[str, str]]:
    """The diff as shown: each changed field's name and its marked-up text."""
    listing = _section(html, '<dl class="diff">', "</dl>")
    return [
        (_squash(name), _squash(text))
        for name, text in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", listing, re.S)
    ]


@pytest.fixture
def revised():
    """A proposal in Define with three revisions: the summary, then the title change."""
    proposal = ProposalFactory(
        stage=Stage.DEFINE,
        title="Open robot model",
        summary="Train an open model for robot learning.",
    )
    proposal.revisions.update(title=proposal.title, summary=proposal.summary)
    proposal = proposal_update(
        proposal=proposal,
        actor=proposal.lead,
        summary="Train an open model for surgical <robots> & arms.",
    )
    proposal_update(proposal=proposal, actor=proposal.lead, title="Open surgical robot model")
    return proposal


def test_revisions_page_shows_the_latest_change_by_default(client, revised):
    client.force_login(revised.lead)

    response = client.get(reverse("projects:revision_list", args=[revised.slug]))

    page = response.content.decode()
    assert re.findall(r"<strong>(r\d+)</strong>", page) == ["r3", "r2", "r1"]
    assert _diff(page) == [("Title", "Open <ins>surgical</ins> robot model")]


def test_revisions_page_compares_the_two_chosen_revisions_word_by_word(client, revised):
    client.force_login(revised.lead)

    response = client.get(
        reverse("projects:revision_list", args=[revised.slug]), {"old": 1, "new": 3}
    )

    page = response.content.decode()
    assert _diff(page) == [
        ("Title", "Open <ins>surgical</ins> robot model"),
        (
            "Summary",
            "Train an open model for <del>robot learning.</del> "
            "<ins>surgical &lt;robots&gt; &amp; arms.</ins>",
        ),
    ]
    assert re.findall(r'<option value="(\d+)"\s+selected>', page) == ["1", "3"]


def test_revisions_page_names_an_unknown_revision_and_shows_no_diff(client, revised):
    client.force_login(revised.lead)

    response = client.get(
        reverse("projects:revision_list", args=[revised.slug]), {"old": 1, "new": 9}
    )

    assert response.context["form"].non_field_errors() == ["Choose two revisions of this proposal."]
    assert response.context["diff"] is None
    assert '<dl class="diff">' not in response.content.decode()


def test_revisions_page_names_a_malformed_revision_choice(client, revised):
    client.force_login(revised.lead)

    response = client.get(
        reverse("projects:revision_list", args=[revised.slug]), {"old": "abc", "new": "3"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"old": ["Choose the revision to compare."]}
    assert "Choose the revision to compare." in response.content.decode()
    assert response.context["diff"] is None


def test_diff_names_fields_as_the_form_does(client):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    proposal_update(proposal=proposal, actor=proposal.lead, expected_outcomes="An open model.")
    client.force_login(proposal.lead)

    response = client.get(reverse("projects:revision_list", args=[proposal.slug]))

    assert _diff(response.content.decode()) == [("Expected outcomes", "<ins>An open model.</ins>")]


# Milestones -----------------------------------------------------------------------------


@pytest.fixture
def driven():
    proposal = ProposalFactory(stage=Stage.DRIVE, title="Driven model")
    milestone = milestone_create(
        proposal=proposal, actor=proposal.lead, title="Data release", due_date=date(2027, 3, 1)
    )
    return proposal, milestone


def _milestone_statuses(html: str) -> list[str]:
    """The status each milestone shows: the chosen option for members, the badge for others."""
    section = _section(html, 'id="milestones"', "</section>")
    return re.findall(r'<option value="\w+"\s+selected>([^<]*)</option>', section) or re.findall(
        r'<span class="badge">([^<]*)</span>', section
    )


def test_consortium_member_sets_a_milestone_status_and_everyone_sees_it(client, driven):
    proposal, milestone = driven
    partner = ParticipationFactory(proposal=proposal)
    member = MembershipFactory(institution=partner.institution).person
    client.force_login(member)

    response = client.post(
        reverse("projects:milestone_set_status", args=[milestone.pk]), {"status": "in_progress"}
    )
    as_member = client.get(proposal.get_absolute_url()).content.decode()
    client.logout()
    as_visitor = client.get(proposal.get_absolute_url()).content.decode()

    milestone.refresh_from_db()
    assert response["Location"] == proposal.get_absolute_url() + "#milestones"
    assert milestone.status == "in_progress"
    assert (_milestone_statuses(as_member), _milestone_statuses(as_visitor)) == (
        ["In progress"],
        ["In progress"],
    )
    event = OutboxEvent.objects.filter(kind=EventKind.MILESTONE).last()
    assert (event.actor, event.payload) == (
        member,
        {
            "milestone_id": milestone.pk,
            "change": "status",
            "from_status": "planned",
            "status": "in_progress",
        },
    )


def test_milestone_status_outside_the_choices_is_refused_with_a_message(client, driven):
    proposal, milestone = driven
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:milestone_set_status", args=[milestone.pk]), {"status": "finished"}
    )

    milestone.refresh_from_db()
    assert _messages(response) == ["Choose a valid status."]
    assert milestone.status == "planned"


@pytest.mark.parametrize("who", ["outsider", "coordinator"])
def test_milestone_status_is_404_outside_the_consortium(client, driven, who):
    _proposal, milestone = driven
    user = CoordinatorFactory() if who == "coordinator" else MembershipFactory().person
    client.force_login(user)

    response = client.post(
        reverse("projects:milestone_set_status", args=[milestone.pk]), {"status": "done"}
    )

    milestone.refresh_from_db()
    assert (response.status_code, milestone.status) == (404, "planned")


def test_milestone_status_is_404_once_the_proposal_is_paused(client, driven):
    proposal, milestone = driven
    Proposal.objects.filter(pk=proposal.pk).update(stage=Stage.PAUSED)
    client.force_login(proposal.lead)

    response = client.post(
        reverse("projects:milestone_set_status", args=[milestone.pk]), {"status": "done"}
    )

    milestone.refresh_from_db()
    assert (response.status_code, milestone.status) == (404, "planned")


# Reviewers ------------------------------------------------------------------------------


def _assigned(html: str) -> list[str]:
    """The names in the reviewer page's "Assigned" panel."""
    panel = _section(html, "<aside", "</aside>")
    return re.findall(r'<li class="item">\s*<span>\s*([^<]*?)\s*<', panel)


def test_reviewer_withdrawn_then_assigned_again_reviews_once_more(client):
    proposal = ProposalFactory(stage=Stage.REVIEW, title="Open robot model")
    reviewer = MembershipFactory(
        institution=InstitutionFactory(), person__display_name="Rita Reviewer"
    ).person
    client.force_login(CoordinatorFactory())
    url = reverse("projects:reviewer_assign", args=[proposal.slug])

    client.post(url, {"reviewer": reviewer.pk})
    assignment = ReviewAssignment.objects.get()
    client.post(reverse("projects:reviewer_withdraw", args=[assignment.pk]))
    after_withdrawal = client.get(url).content.decode()
    again = client.post(url, {"reviewer": reviewer.pk})
    after_reassignment = client.get(url).content.decode()
    client.force_login(reviewer)
    inbox = client.get(reverse("projects:reviewer_inbox")).content.decode()
    form = client.get(reverse("projects:review_submit", args=[proposal.slug]))

    assignment.refresh_from_db()
    assert _assigned(after_withdrawal) == []
    assert _messages(again) == ["Rita Reviewer now reviews this proposal."]
    assert _assigned(after_reassignment) == ["Rita Reviewer"]
    assert (ReviewAssignment.objects.count(), assignment.status) == (1, AssignmentStatus.ASSIGNED)
    assert re.findall(r'<h3 class="item__title">\s*<a href="[^"]*">([^<]*)</a>', inbox) == [
        "Open robot model"
    ]
    assert form.status_code == 200
    assert list(
        OutboxEvent.objects.filter(kind=EventKind.REVIEW_ASSIGNED).values_list(
            "payload__reviewer_id", flat=True
        )
    ) == [reviewer.pk, reviewer.pk]


# The review queue -----------------------------------------------------------------------


def _queue(html: str) -> list[str]:
    """The proposal titles in the queue's table, top to bottom."""
    return re.findall(r'<td>\s*<a href="[^"]*">([^<]*)</a>', html)


@pytest.mark.parametrize(
    ("waiting", "titles"),
    [
        ("", ["Forty days", "Ten days", "Two days"]),
        ("7", ["Forty days", "Ten days"]),
        ("30", ["Forty days"]),
    ],
)
def test_review_queue_shows_what_waits_at_least_the_chosen_time(client, waiting, titles):
    now = timezone.now()
    for title, days in (("Two days", 2), ("Forty days", 40), ("Ten days", 10)):
        proposal = ProposalFactory(stage=Stage.REVIEW, title=title)
        Proposal.objects.filter(pk=proposal.pk).update(stage_changed_at=now - timedelta(days=days))
    client.force_login(CoordinatorFactory())

    response = client.get(reverse("projects:review_queue"), {"waiting_days": waiting})

    assert _queue(response.content.decode()) == titles


def test_review_queue_with_an_unknown_waiting_time_says_so_and_filters_nothing(client):
    ProposalFactory(stage=Stage.REVIEW, title="Under review")
    client.force_login(CoordinatorFactory())

    response = client.get(reverse("projects:review_queue"), {"waiting_days": "5"})

    assert response.context["form"].errors == {
        "waiting_days": ["Select a valid choice. 5 is not one of the available choices."]
    }
    assert _queue(response.content.decode()) == ["Under review"]


def test_review_queue_says_when_nothing_has_waited_that_long(client):
    ProposalFactory(stage=Stage.REVIEW)
    client.force_login(CoordinatorFactory())

    response = client.get(
        reverse("projects:review_queue"), {"waiting_days": "30"}, headers={"HX-Request": "true"}
    )

    assert response.templates[0].name == "results"
    assert _squash(response.content.decode()) == (
        '<div id="results" class="card results"> <p class="empty">Nothing is waiting.</p> </div>'
    )


# Decision reasons -----------------------------------------------------------------------

REASON = "Approved once the data licences are signed; the budget is tight."


@pytest.fixture
def decided():
    """An approved (public) proposal with a confirmed partner, an assigned reviewer, a reason."""
    proposal = ProposalFactory(stage=Stage.REVIEW, title="Open robot model")
    partner = ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    coordinator = CoordinatorFactory()
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    review_assign(proposal=proposal, reviewer=reviewer, actor=coordinator)
    proposal_decide(
        proposal=proposal, actor=coordinator, outcome=Decision.Outcome.APPROVE, reason=REASON
    )
    return proposal, {
        "visitor": None,
        "researcher": MembershipFactory(institution=InstitutionFactory()).person,
        "reviewer": reviewer,
        "consortium_member": MembershipFactory(institution=partner.institution).person,
        "lead": proposal.lead,
        "coordinator": coordinator,
    }


def _timeline(html: str) -> list[str]:
    """The timeline as read: each step's stage, and its comment where one is shown."""
    listing = _section(html, '<ol class="timeline">', "</ol>")
    return [
        _squash(re.sub(r'<span class="muted small">.*?</span>|<[^>]+>', " ", step))
        for step in re.findall(r"<li>(.*?)</li>", listing, re.S)
    ]


def test_decision_reason_is_read_by_the_consortium_and_coordinators_only(client, decided):
    proposal, people = decided
    read = {}
    for who, person in people.items():
        client.logout()
        if person is not None:
            client.force_login(person)
        html = client.get(proposal.get_absolute_url()).content.decode()
        read[who] = (html.count(REASON), _timeline(html)[-1])

    hidden, shown = (0, "Approved"), (2, f"Approved {REASON}")
    assert read == {
        "visitor": hidden,
        "researcher": hidden,
        "reviewer": hidden,
        "consortium_member": shown,
        "lead": shown,
        "coordinator": shown,
    }


def test_decision_form_says_who_reads_the_reason(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    client.force_login(CoordinatorFactory())

    form = client.get(reverse("projects:proposal_decide", args=[proposal.slug])).context["form"]

    assert (form["reason"].label, form["reason"].help_text) == (
        "Reason",
        "Read by the lead, the researchers of the institutions in the consortium and the "
        "coordinators; not shown on the public page, to other researchers or to the reviewers.",
    )


# Reviewer candidates ----------------------------------------------------------------------


def _candidate_rows(html: str) -> list[str]:
    """Each candidate as read: name, institution, load, competences, conflict and action."""
    listing = _section(html, '<div id="candidates">', "<aside")
    rows = listing.split('<li class="item">')[1:]
    return [
        _squash(re.sub(r"<[^>]+>", " ", re.sub(r'<span class="visually-hidden">.*?</span>', "", r)))
        for r in rows
    ]


def test_reviewer_search_shows_expertise_load_and_who_is_assigned_already(client):
    proposal = ProposalFactory(stage=Stage.REVIEW)
    robotics = CompetenceFactory(name="Robot learning")
    ProposalCompetenceFactory(proposal=proposal, competence=robotics, importance=3)
    coordinator = CoordinatorFactory()
    lab = InstitutionFactory(name="Robot Lab")
    zoe = MembershipFactory(
        institution=lab, person__display_name="Zoe Lang", person__email="zoe@lab.example"
    ).person
    PersonCompetenceFactory(person=zoe, competence=robotics, level=3)
    anna = MembershipFactory(
        institution=lab, person__display_name="Anna Lang", person__email="anna@lab.example"
    ).person
    MembershipFactory(
        institution=proposal.lead_institution,
        person__display_name="Max Lang",
        person__email="max@lead.example",
    )
    review_assign(proposal=proposal, reviewer=zoe, actor=coordinator)
    review_assign(proposal=ProposalFactory(stage=Stage.REVIEW), reviewer=anna, actor=coordinator)
    client.force_login(coordinator)

    html = client.get(
        reverse("projects:reviewer_assign", args=[proposal.slug]), {"q": "lang"}
    ).content.decode()

    assert _candidate_rows(html) == [
        "Anna Lang anna@lab.example Robot Lab · 1 open review None of the required competences "
        "Assign",
        f"Max Lang max@lead.example {proposal.lead_institution.name} · no open reviews "
        f"None of the required competences Conflict Works at the lead institution "
        f"({proposal.lead_institution.name})",
        "Zoe Lang zoe@lab.example Robot Lab · 1 open review Robot learning · Leading Assigned",
    ]
