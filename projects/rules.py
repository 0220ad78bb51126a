"""Who may do what with proposals and their consortium (``rules`` predicates).

Every permission question of this app is answered here; services, selectors, views and
templates ask these predicates rather than repeat them. They stay cheap: what they need
of the user is read once per request (``affiliations_of``), and a proposal's consortium
rows, once loaded (``selectors.proposal_consortium`` keeps them on the proposal), are
reused rather than queried again. Lookups still go through ``visible_to``: a hidden
object answers 404 before any of these is asked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import rules
from django.utils.translation import gettext as _

from members.models import Institution
from members.rules import affiliations_of, is_coordinator, is_representative_of, is_researcher
from projects.enums import (
    CONSORTIUM_STATUSES,
    EDITABLE_STAGES,
    JOINING_STAGES,
    OPEN_PARTICIPATION,
    TERMINAL_STAGES,
    ParticipationRole,
    ParticipationStatus,
    Stage,
    Visibility,
)
from projects.models import Participation, Proposal

# Proposals ------------------------------------------------------------------------------


@rules.predicate
def is_lead(user, proposal) -> bool:
    return proposal is not None and user.is_authenticated and proposal.lead_id == user.pk


@rules.predicate
def is_consortium_member(user, proposal) -> bool:
    """The lead, or an active member of an institution that has joined (accepted or confirmed)."""
    if proposal is None or not user.is_authenticated:
        return False
    if proposal.lead_id == user.pk:
        return True
    member_of = affiliations_of(user).member_of
    if not member_of:
        return False
    cache = getattr(user, "_consortium_cache", None)
    if cache is None:
        cache = user._consortium_cache = {}
    if proposal.pk not in cache:
        cache[proposal.pk] = any(
            p.status in CONSORTIUM_STATUSES and p.institution_id in member_of
            for p in proposal.participations.all()
        )
    return cache[proposal.pk]


@rules.predicate
def is_editable(user, proposal) -> bool:
    return proposal is not None and proposal.stage in EDITABLE_STAGES


@rules.predicate
def is_in_drive(user, proposal) -> bool:
    return proposal is not None and proposal.stage == Stage.DRIVE


@rules.predicate
def is_joining(user, proposal) -> bool:
    return proposal is not None and proposal.stage in JOINING_STAGES


@rules.predicate
def is_open_call(user, proposal) -> bool:
    return proposal is not None and proposal.visibility == Visibility.OPEN_CALL


def institutions_free_to_join(user, proposal) -> frozenset[int]:
    """The user's institutions that are not yet in the proposal's consortium (nor asked)."""
    taken = {p.institution_id for p in proposal.participations.all() if p.is_open}
    return affiliations_of(user).member_of - taken


@rules.predicate
def has_institution_free_to_join(user, proposal) -> bool:
    """One of the user's institutions is an alliance member and not in the consortium yet."""
    if proposal is None:
        return False
    free = institutions_free_to_join(user, proposal)
    return bool(free) and Institution.objects.members().filter(pk__in=free).exists()


@rules.predicate
def is_assignment_reviewer(user, assignment) -> bool:
    """The person a review assignment names."""
    return assignment is not None and user.is_authenticated and assignment.reviewer_id == user.pk


# Reviewing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewConflicts:
    """Who may not review a proposal: its lead, and the people of every institution in play.

    Read once per proposal (``review_conflicts``), then asked of as many people as a page
    lists, so that the rule costs the same for one candidate as for twenty.
    """

    lead_id: int
    lead_institution: Institution
    partners: dict[int, Institution]  # invited, asking, accepted or confirmed; by id

    @property
    def institution_ids(self) -> frozenset[int]:
        return frozenset({self.lead_institution.pk, *self.partners})

    def reason(self, *, person_id: int, affiliations: Collection[int]) -> str | None:
        """Why the person, active at ``affiliations`` (institution ids), may not review; or None."""
        if person_id == self.lead_id:
            return _("leads the proposal")
        if self.lead_institution.pk in affiliations:
            return _("works at the lead institution (%(institution)s)") % {
                "institution": self.lead_institution
            }
        shared = next((i for pk, i in self.partners.items() if pk in affiliations), None)
        if shared is not None:
            return _("works at a participating institution (%(institution)s)") % {
                "institution": shared
            }
        if not affiliations:
            return _("has no active affiliation")
        return None


def review_conflicts(proposal: Proposal) -> ReviewConflicts:
    """The proposal's conflicts of interest, as they stand (one query, two without the lead
    institution loaded)."""
    partners = {
        p.institution_id: p.institution
        for p in Participation.objects.filter(proposal=proposal, status__in=OPEN_PARTICIPATION)
        .exclude(institution_id=proposal.lead_institution_id)
        .select_related("institution")
    }
    return ReviewConflicts(
        lead_id=proposal.lead_id,
        lead_institution=proposal.lead_institution,
        partners=partners,
    )


rules.add_perm("projects.create_proposal", is_researcher)
rules.add_perm("projects.edit_proposal", is_lead & is_editable)
# A decision's reason is written for the proposal's own people: the lead, the consortium
# (the lead's colleagues and the partners that joined) and the coordinators. It stays off
# the public page of an approved project, and the reviewers do not read it either.
rules.add_perm("projects.view_decision_reason", is_consortium_member | is_coordinator)
# Why a confirmed partner left: the consortium's business, not the public's.
rules.add_perm("projects.view_withdrawal_reasons", is_consortium_member | is_coordinator)
rules.add_perm("projects.view_review_queue", is_coordinator)
# The CSV of a proposal list: stage, consortium, scores and the decision of each row.
rules.add_perm("projects.export_proposals", is_coordinator)
rules.add_perm("projects.assign_reviewers", is_coordinator)
rules.add_perm("projects.write_review", is_assignment_reviewer)
rules.add_perm("projects.decide_proposal", is_coordinator)
rules.add_perm("projects.edit_alliance_rules", is_coordinator)
rules.add_perm("projects.manage_milestones", is_in_drive & is_consortium_member)
rules.add_perm("projects.post_update", is_in_drive & is_consortium_member)

# Building the consortium: the lead finds and invites partners (coordinators may look);
# a researcher asks to join an open call with an institution not in it yet. Inviting and
# asking include the stage, so that pages offer them only while they can succeed.
rules.add_perm("projects.find_partners", is_lead | is_coordinator)
rules.add_perm("projects.invite_partners", is_lead & is_joining)
rules.add_perm(
    "projects.request_to_join",
    is_joining & is_open_call & is_researcher & ~is_lead & has_institution_free_to_join,
)

# Participations -------------------------------------------------------------------------


@rules.predicate
def leads_participation_proposal(user, participation) -> bool:
    return participation is not None and is_lead(user, participation.proposal)


@rules.predicate
def is_participation_person(user, participation) -> bool:
    return (
        participation is not None and user.is_authenticated and participation.person_id == user.pk
    )


@rules.predicate
def represents_participation_institution(user, participation) -> bool:
    return (
        participation is not None
        and participation.institution_id in affiliations_of(user).represents
    )


# The lead, the person named, or a representative of the partner institution.
is_participation_party = (
    leads_participation_proposal | is_participation_person | represents_participation_institution
)


@rules.predicate
def answers_participation(user, participation) -> bool:
    """The lead answers a join request; the invitee an invitation (the institution's
    representatives when the institution as a whole is invited)."""
    if participation is None or not user.is_authenticated:
        return False
    if participation.status == ParticipationStatus.REQUESTED:
        return participation.proposal.lead_id == user.pk
    if participation.status == ParticipationStatus.INVITED:
        if participation.person_id is not None:
            return participation.person_id == user.pk
        return participation.institution_id in affiliations_of(user).represents
    return False


@rules.predicate
def is_partner_in_play(user, participation) -> bool:
    """A partner's participation that is still open (the lead's own never ends this way)."""
    return (
        participation is not None
        and participation.role == ParticipationRole.PARTNER
        and participation.status in OPEN_PARTICIPATION
    )


@rules.predicate
def is_accepted(user, participation) -> bool:
    return participation is not None and participation.status == ParticipationStatus.ACCEPTED


@rules.predicate
def participation_is_joining(user, participation) -> bool:
    return participation is not None and participation.proposal.stage in JOINING_STAGES


@rules.predicate
def participation_is_before_the_end(user, participation) -> bool:
    return participation is not None and participation.proposal.stage not in TERMINAL_STAGES


# Any party may leave an open partnership, until the work is over.
may_withdraw_participation = is_partner_in_play & is_participation_party

rules.add_perm("projects.accept_participation", answers_participation & participation_is_joining)
# Saying no stays possible after the joining stages: it closes what was left unanswered.
rules.add_perm("projects.decline_participation", answers_participation)
rules.add_perm(
    "projects.confirm_participation",
    is_accepted & represents_participation_institution & participation_is_joining,
)
rules.add_perm(
    "projects.withdraw_participation",
    may_withdraw_participation & participation_is_before_the_end,
)

# Institutions ---------------------------------------------------------------------------

# Its people, its projects (confidential ones too) and its pending sign-offs at a glance:
# for those who answer for the institution, and the coordinators.
rules.add_perm("projects.view_institution_dashboard", is_representative_of | is_coordinator)
