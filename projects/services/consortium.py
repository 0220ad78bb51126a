"""Consortium rules: what a consortium needs before review, and their settings."""

from dataclasses import dataclass
from typing import TypedDict

import rules
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from core.exceptions import NotPermitted
from members.enums import InstitutionKind, MembershipStatus
from members.models import (
    Competence,
    Institution,
    InstitutionCompetence,
    PersonCompetence,
    User,
)
from projects.models import ConsortiumRules, Participation, Proposal, ProposalCompetence

# Consortium rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    rule: str
    ok: bool
    detail: str


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
        partner_institutions = list(
            Institution.objects.filter(
                participations__in=Participation.objects.filter(
                    proposal=proposal
                ).confirmed_partners()
            ).distinct()
        )
    else:
        partner_institutions = list(
            {
                p.institution_id: p.institution
                for p in participations
                if p.is_confirmed_partner(proposal)
            }.values()
        )
    consortium = [proposal.lead_institution, *partner_institutions]
    partners = len(partner_institutions)
    countries = {str(i.country) for i in consortium}
    kinds = {i.kind for i in consortium}
    results = [
        RuleResult(
            "min_partner_institutions",
            partners >= rules.min_partner_institutions,
            _("At least %(n)s confirmed partner institution(s); %(have)s so far.")
            % {"n": rules.min_partner_institutions, "have": partners},
        ),
        RuleResult(
            "max_partner_institutions",
            partners <= rules.max_partner_institutions,
            _("At most %(n)s partner institutions; %(have)s confirmed.")
            % {"n": rules.max_partner_institutions, "have": partners},
        ),
        RuleResult(
            "min_countries",
            len(countries) >= rules.min_countries,
            _("Institutions from at least %(n)s countries; %(have)s so far.")
            % {"n": rules.min_countries, "have": len(countries)},
        ),
        RuleResult(
            "min_kinds",
            len(kinds) >= rules.min_kinds,
            _("At least %(n)s kinds of institution; %(have)s so far.")
            % {"n": rules.min_kinds, "have": len(kinds)},
        ),
    ]
    if rules.company_required:
        results.append(
            RuleResult(
                "company_required",
                InstitutionKind.COMPANY in kinds,
                _("A company in the consortium."),
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
                _("Every required competence covered; missing: %(missing)s.")
                % {"missing": ", ".join(c.name for c in missing)}
                if missing
                else _("Every required competence is covered."),
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


def consortium_rules_hold(proposal: Proposal) -> str | None:
    results = proposal.__dict__.get("_consortium_check") or consortium_check(proposal=proposal)
    failed = [r for r in results if not r.ok]
    if failed:
        return _("The consortium rules do not hold yet: %(rules)s") % {
            "rules": " ".join(r.detail for r in failed)
        }
    return None


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
