"""Consortium rules: what a consortium needs before review, and their settings."""

from dataclasses import dataclass
from typing import TypedDict

import rules
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import NotPermitted
from members.enums import InstitutionKind, MembershipStatus
from members.models import (
    Competence,
    Institution,
    InstitutionCompetence,
    PersonCompetence,
    User,
)
from projects.enums import ParticipationRole, ParticipationStatus
from projects.models import ConsortiumRules, Participation, Proposal, ProposalCompetence

# Consortium rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    rule: str
    ok: bool
    detail: str
    # What the page links to as the way forward: the required competences nobody covers
    # yet, and the accepted partners still waiting for their representative's sign-off.
    missing: tuple[Competence, ...] = ()
    awaiting_signoff: int = 0


def consortium_check(
    *,
    proposal: Proposal,
    rules: ConsortiumRules | None = None,
    participations: list[Participation] | None = None,
    required: list[ProposalCompetence] | None = None,
    remember: bool = False,
) -> list[RuleResult]:
    """Evaluate the consortium rules on the confirmed partners (the lead institution counts).

    A page that has loaded the participations (with institutions) and the required
    competences passes them in to spare their queries, and may ``remember`` the result on
    the proposal object so that the actions' preconditions on the same page reuse it.
    """
    rules = rules or ConsortiumRules.current()
    if participations is None:
        participations = list(
            Participation.objects.filter(
                proposal=proposal,
                role=ParticipationRole.PARTNER,
                status__in=[ParticipationStatus.ACCEPTED, ParticipationStatus.CONFIRMED],
            ).select_related("institution")
        )
    # Who counts is defined once, on the model (``is_confirmed_partner``).
    partner_institutions = list(
        {
            p.institution_id: p.institution
            for p in participations
            if p.is_confirmed_partner(proposal)
        }.values()
    )
    awaiting = len(
        {
            p.institution_id
            for p in participations
            if p.role == ParticipationRole.PARTNER
            and p.status == ParticipationStatus.ACCEPTED
            and p.institution_id != proposal.lead_institution_id
        }
    )
    consortium = [proposal.lead_institution, *partner_institutions]
    partners = len(partner_institutions)
    countries = {str(i.country) for i in consortium}
    kinds = {i.kind for i in consortium}
    n_partners, n_countries, n_kinds = (
        rules.min_partner_institutions,
        rules.min_countries,
        rules.min_kinds,
    )
    so_far = {"n": n_partners, "have": partners, "awaiting": awaiting}
    results = [
        RuleResult(
            "min_partner_institutions",
            partners >= n_partners,
            (
                ngettext(
                    "At least %(n)s confirmed partner institution (%(have)s so far; "
                    "%(awaiting)s more awaiting sign-off)",
                    "At least %(n)s confirmed partner institutions (%(have)s so far; "
                    "%(awaiting)s more awaiting sign-off)",
                    n_partners,
                )
                if awaiting and partners < n_partners
                else ngettext(
                    "At least %(n)s confirmed partner institution (%(have)s so far)",
                    "At least %(n)s confirmed partner institutions (%(have)s so far)",
                    n_partners,
                )
            )
            % so_far,
            awaiting_signoff=awaiting,
        ),
        RuleResult(
            "max_partner_institutions",
            partners <= rules.max_partner_institutions,
            ngettext(
                "At most %(n)s partner institution (%(have)s confirmed)",
                "At most %(n)s partner institutions (%(have)s confirmed)",
                rules.max_partner_institutions,
            )
            % {"n": rules.max_partner_institutions, "have": partners},
        ),
        RuleResult(
            "min_countries",
            len(countries) >= n_countries,
            ngettext(
                "Institutions from at least %(n)s country (%(have)s so far)",
                "Institutions from at least %(n)s countries (%(have)s so far)",
                n_countries,
            )
            % {"n": n_countries, "have": len(countries)},
        ),
        RuleResult(
            "min_kinds",
            len(kinds) >= n_kinds,
            ngettext(
                "At least %(n)s kind of institution (%(have)s so far)",
                "At least %(n)s kinds of institution (%(have)s so far)",
                n_kinds,
            )
            % {"n": n_kinds, "have": len(kinds)},
        ),
    ]
    if rules.company_required:
        results.append(
            RuleResult(
                "company_required",
                InstitutionKind.COMPANY in kinds,
                _("A company in the consortium"),
            )
        )
    if rules.require_competence_coverage:
        missing = competence_gaps(
            proposal=proposal,
            institutions=consortium,
            required=None if required is None else [r.competence for r in required],
        )
        results.append(
            RuleResult(
                "competence_coverage",
                not missing,
                _("Every required competence covered (missing: %(missing)s)")
                % {"missing": ", ".join(c.name for c in missing)}
                if missing
                else _("Every required competence covered"),
                missing=tuple(missing),
            )
        )
    if remember:
        proposal.__dict__["_consortium_check"] = results
    return results


def competence_gaps(
    *,
    proposal: Proposal,
    institutions: list[Institution],
    required: list[Competence] | None = None,
) -> list[Competence]:
    """Required competences that no institution covers, through its profile or its people."""
    if required is None:
        required = [
            rc.competence for rc in proposal.required_competences.select_related("competence")
        ]
    if not required:
        return []
    ids = [i.pk for i in institutions]
    by_institution = InstitutionCompetence.objects.filter(
        competence=OuterRef("pk"), institution_id__in=ids
    )
    by_people = PersonCompetence.objects.filter(
        competence=OuterRef("pk"),
        person__memberships__institution_id__in=ids,
        person__memberships__status=MembershipStatus.ACTIVE,
    )
    covered = set(
        Competence.objects.filter(pk__in=[c.pk for c in required])
        .filter(Exists(by_institution) | Exists(by_people))
        .values_list("pk", flat=True)
    )
    return [c for c in required if c.pk not in covered]


def consortium_rules_failing(proposal: Proposal) -> list[RuleResult]:
    """The consortium rules that do not hold yet: what blocks Define → Review."""
    results = proposal.__dict__.get("_consortium_check") or consortium_check(proposal=proposal)
    return [r for r in results if not r.ok]


def consortium_refusal(failed: list[RuleResult]) -> str:
    """One sentence naming every rule that fails, for a refusal outside the pages' list."""
    return ngettext(
        "The consortium rules do not hold yet; this one fails: %(rules)s.",
        "The consortium rules do not hold yet; these fail: %(rules)s.",
        len(failed),
    ) % {"rules": "; ".join(r.detail for r in failed)}


# Alliance-wide settings -----------------------------------------------------------------


class ConsortiumRulesValues(TypedDict):
    """Every setting of the consortium rules, as the rules form cleans them."""

    min_partner_institutions: int
    max_partner_institutions: int
    min_countries: int
    min_kinds: int
    company_required: bool
    require_competence_coverage: bool


@transaction.atomic
def consortium_rules_update(
    *,
    actor: User,
    min_partner_institutions: int,
    max_partner_institutions: int,
    min_countries: int,
    min_kinds: int,
    company_required: bool,
    require_competence_coverage: bool,
) -> ConsortiumRules:
    if not rules.has_perm("projects.edit_alliance_rules", actor):
        raise NotPermitted(_("Only coordinators change the consortium rules."))
    ConsortiumRules.current()
    current = ConsortiumRules.objects.select_for_update().get(pk=1)
    current.min_partner_institutions = min_partner_institutions
    current.max_partner_institutions = max_partner_institutions
    current.min_countries = min_countries
    current.min_kinds = min_kinds
    current.company_required = company_required
    current.require_competence_coverage = require_competence_coverage
    current.full_clean()
    current.save()
    return current
