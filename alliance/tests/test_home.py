"""The home page at scale: a fixed number of queries, figures cached and kept true."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.enums import MembershipStatus
from members.services import membership_approve, membership_end
from members.signals import ALLIANCE_FIGURES_KEY
from members.tests.factories import (
    CoordinatorFactory,
    InstitutionFactory,
    MembershipFactory,
)
from projects.enums import Stage, Visibility
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    client.get(url)  # warm: sessions, the cached figures
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _alliance(n: int) -> None:
    for _ in range(n):
        membership = MembershipFactory(institution=InstitutionFactory(founding_member=True))
        ProposalFactory(
            stage=Stage.DRIVE,
            lead=membership.person,
            lead_institution=membership.institution,
        )


@pytest.mark.parametrize("who", ["visitor", "researcher"])
def test_home_queries_are_the_same_for_1_and_50_rows(client, who):
    if who == "researcher":
        client.force_login(MembershipFactory().person)
    _alliance(1)
    one = count_queries(client, reverse("home"))
    _alliance(49)
    fifty = count_queries(client, reverse("home"))

    assert (one, fifty) == (one, one)


def test_home_figures_are_cached_and_count_each_active_person_once(client):
    institution = InstitutionFactory()
    person = MembershipFactory(institution=institution).person
    MembershipFactory(person=person)  # at a second institution too
    MembershipFactory(institution=institution, status=MembershipStatus.PENDING)

    response = client.get(reverse("home"))

    assert (response.context["institution_count"], response.context["people_count"]) == (2, 1)
    assert cache.get(ALLIANCE_FIGURES_KEY).people == 1


def test_home_figures_follow_the_services_that_change_them(
    client, django_capture_on_commit_callbacks
):
    coordinator = CoordinatorFactory()
    pending = MembershipFactory(status=MembershipStatus.PENDING)
    active = MembershipFactory()
    assert client.get(reverse("home")).context["people_count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        membership_approve(membership=pending, actor=coordinator)
    after_approval = client.get(reverse("home")).context["people_count"]
    with django_capture_on_commit_callbacks(execute=True):
        membership_end(membership=active, actor=coordinator)
    after_end = client.get(reverse("home")).context["people_count"]

    assert (after_approval, after_end) == (2, 1)


def test_cached_pages_of_one_user_are_never_served_to_another(client):
    """What is cached is alliance-wide and public; one user's pages never reach another."""
    lead = MembershipFactory()
    secret = ProposalFactory(
        title="Confidential plan of the lead",
        stage=Stage.DEFINE,
        visibility=Visibility.CONFIDENTIAL,
        lead=lead.person,
        lead_institution=lead.institution,
    )
    coordinator = CoordinatorFactory()
    pages = [reverse("home"), reverse("projects:proposal_list"), reverse("dashboard")]

    client.force_login(lead.person)
    seen_by_lead = [secret.title in client.get(url).content.decode() for url in pages]
    client.force_login(coordinator)
    board = client.get(reverse("projects:pipeline")).content.decode()
    client.force_login(MembershipFactory().person)
    seen_by_other = [secret.title in client.get(url).content.decode() for url in pages]
    other_board = client.get(reverse("projects:pipeline")).status_code
    client.logout()
    seen_by_visitor = [secret.title in client.get(url).content.decode() for url in pages[:2]]

    assert secret.title in board
    assert seen_by_lead[1] is True
    assert seen_by_other == [False, False, False]
    assert other_board == 404
    assert seen_by_visitor == [False, False]
