"""Reads that decide what a page shows: the diff since a reviewer's review, the row actions."""

import pytest
from django.contrib.auth.models import AnonymousUser

from members.enums import MembershipRole
from members.tests.factories import MembershipFactory
from projects.enums import ParticipationStatus, Stage
from projects.models import Review, Revision
from projects.selectors import (
    ParticipationActions,
    VisibleReviews,
    diff_since_own_review,
    participation_actions,
    proposal_consortium,
)
from projects.tests.factories import ParticipationFactory, ProposalFactory


def _revision(number: int, summary: str) -> Revision:
    return Revision(number=number, title="Open model", summary=summary, description="Plan.")


def _reviews(own: Review | None) -> VisibleReviews:
    return VisibleReviews(
        reviews=[], show_names=False, own=own, own_assignment=None, hidden_until_own=False
    )


def test_diff_since_own_review_compares_the_reviewed_revision_with_the_latest():
    revisions = [
        _revision(3, "Train an open model."),
        _revision(2, "x"),
        _revision(1, "Train a model."),
    ]

    diff = diff_since_own_review(reviews=_reviews(Review(revision_number=1)), revisions=revisions)

    assert {d.name: str(d.html) for d in diff if d.changed} == {
        "summary": "Train <del>a</del> <ins>an open</ins> model."
    }


def test_diff_since_own_review_is_none_without_an_own_review_or_a_newer_revision():
    revisions = [_revision(2, "Train an open model."), _revision(1, "Train a model.")]

    assert [
        diff_since_own_review(reviews=_reviews(None), revisions=revisions),
        diff_since_own_review(reviews=_reviews(Review(revision_number=2)), revisions=revisions),
        diff_since_own_review(reviews=_reviews(Review(revision_number=1)), revisions=[]),
    ] == [None, None, None]


@pytest.mark.django_db
def test_participation_actions_list_only_rows_the_user_may_act_on(django_assert_num_queries):
    proposal = ProposalFactory(stage=Stage.DEFINE)
    representative = MembershipFactory(role=MembershipRole.REPRESENTATIVE)
    invited = ParticipationFactory(
        proposal=proposal,
        institution=representative.institution,
        status=ParticipationStatus.INVITED,
    )
    ParticipationFactory(proposal=proposal, status=ParticipationStatus.CONFIRMED)
    rows = proposal_consortium(proposal=proposal)

    with django_assert_num_queries(1):  # the representative's affiliations, once
        actions = participation_actions(participations=rows, user=representative.person)

    assert actions == {
        invited.pk: ParticipationActions(accept=True, decline=True, confirm=False, withdraw=True)
    }
    assert participation_actions(participations=rows, user=AnonymousUser()) == {}
