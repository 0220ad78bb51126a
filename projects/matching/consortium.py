"""Consortium builder: whole consortia that satisfy the rules, by an exact integer programme.

Variables: one binary per eligible institution (x), one per country and per kind not yet in
the consortium (y, z; needed only when the rules ask for more countries or kinds).
Constraints mirror ``projects.services.consortium_check``: partner count within
[min, max], a company when required, every required competence covered (through an
institution's profile or its active people), y_k <= sum of x in country k and
sum y >= the countries still missing (kinds alike). Objective: maximise the partners'
scores less PARTNER_COST each. ``scipy.optimize.milp`` (HiGHS) solves it under a time
limit; a greedy fallback steps in when it fails. Each alternative forbids the full set of
every earlier one (a no-good cut), so the options differ by at least one partner dropped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from members.enums import InstitutionKind, InstitutionStatus
from members.models import Institution
from projects.matching.cache import resolve_index
from projects.matching.context import Context
from projects.matching.index import MatchingIndex
from projects.matching.ranking import total_score
from projects.matching.suggestions import institution_scores
from projects.matching.weights import COMPONENTS, PARTNER_COST, WEIGHTS
from projects.models import ConsortiumRules, Proposal

logger = logging.getLogger(__name__)

MILP = "milp"
GREEDY = "greedy"


@dataclass(frozen=True)
class ConsortiumOption:
    institutions: list[Institution]  # the whole consortium: lead, current partners, proposed
    proposed: list[Institution]  # whom to invite, best score first
    scores: dict[int, float]  # proposed institution pk -> its suggestion score
    total_score: float  # the proposed partners' scores added up
    satisfies_rules: bool
    method: str  # "milp" or "greedy"
    failed_rules: list[str] = field(default_factory=list)
    # The total split by score component (weighted, added up over the proposed partners).
    components: dict[str, float] = field(default_factory=dict)
    # Proposed institution pk -> the required competences it adds to the consortium.
    brings: dict[int, list[str]] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        """Whether the integer programme proved it best (else the greedy fallback found it)."""
        return self.method == MILP


@dataclass(frozen=True)
class ConsortiumResult:
    options: list[ConsortiumOption]
    blocking_rule: str | None = None  # why no consortium satisfies the rules

    @property
    def feasible(self) -> bool:
        return bool(self.options) and self.options[0].satisfies_rules


class Problem:
    """The rules applied to one proposal's current consortium and its candidates."""

    def __init__(
        self, *, ctx: Context, rules: ConsortiumRules, partner_cost: float = PARTNER_COST
    ) -> None:
        index = ctx.index
        self.ctx, self.index, self.rules = ctx, index, rules
        self.partner_cost = partner_cost
        positions, parts = institution_scores(ctx, ctx.buildable)
        scores = total_score(parts)
        order = np.lexsort((index.institution_ids[positions], -scores))
        self.candidates = positions[order]  # best first; ties by primary key
        self.scores = np.asarray(scores[order], dtype=np.float64)
        self.contributions = {
            name: WEIGHTS[name] * np.asarray(parts[name], dtype=np.float64)[order]
            for name in COMPONENTS
        }
        self.countries = index.institution_countries[self.candidates]
        self.kinds = index.institution_kinds[self.candidates]
        self.requirements = ctx.requirements
        self.cover = np.zeros((len(self.candidates), len(self.requirements)), dtype=bool)
        for j, r in enumerate(self.requirements):
            if r.column is not None:
                self.cover[:, j] = index.institution_cover[self.candidates, r.column] > 0

        fixed = list(
            Institution.objects.filter(pk__in=ctx.members).values_list("pk", "kind", "country")
        )
        self.fixed_ids = [pk for pk, _kind, _country in fixed]
        self.fixed_partners = len(
            [pk for pk in ctx.members if pk != ctx.proposal.lead_institution_id]
        )
        self.fixed_countries = {str(country) for _pk, _kind, country in fixed}
        self.fixed_kinds = {kind for _pk, kind, _country in fixed}
        fixed_cover = ctx.consortium_cover
        self.uncovered = [
            j
            for j, r in enumerate(self.requirements)
            if r.column is None or not fixed_cover[r.column]
        ]
        self.needed = self.uncovered if rules.require_competence_coverage else []
        self.need_company = (
            rules.company_required and InstitutionKind.COMPANY not in self.fixed_kinds
        )
        self.countries_short = max(0, rules.min_countries - len(self.fixed_countries))
        self.kinds_short = max(0, rules.min_kinds - len(self.fixed_kinds))
        self.min_new = max(0, rules.min_partner_institutions - self.fixed_partners)
        self.max_new = rules.max_partner_institutions - self.fixed_partners

    # Checking ---------------------------------------------------------------------

    def failed_rules(self, chosen: list[int]) -> list[str]:
        """The rules a consortium of the fixed members plus ``chosen`` breaks (by name)."""
        chosen_set = list(chosen)
        partners = self.fixed_partners + len(chosen_set)
        countries = self.fixed_countries | {str(self.countries[k]) for k in chosen_set}
        kinds = self.fixed_kinds | {str(self.kinds[k]) for k in chosen_set}
        failed = []
        if partners < self.rules.min_partner_institutions:
            failed.append("min_partner_institutions")
        if partners > self.rules.max_partner_institutions:
            failed.append("max_partner_institutions")
        if len(countries) < self.rules.min_countries:
            failed.append("min_countries")
        if len(kinds) < self.rules.min_kinds:
            failed.append("min_kinds")
        if self.rules.company_required and InstitutionKind.COMPANY not in kinds:
            failed.append("company_required")
        if self.needed and not all(self.cover[chosen_set, j].any() for j in self.needed):
            failed.append("competence_coverage")
        return failed

    # The integer programme --------------------------------------------------------

    def solve(
        self,
        *,
        cuts: list[list[int]],
        time_limit: float,
        objective: bool = True,
        skip: frozenset = frozenset(),
    ):
        """Solve with ``skip`` rule families relaxed; (status, chosen or None)."""
        n = len(self.candidates)
        country_groups = (
            sorted(set(self.countries.tolist()) - self.fixed_countries)
            if self.countries_short and "countries" not in skip
            else []
        )
        kind_groups = (
            sorted(set(self.kinds.tolist()) - self.fixed_kinds)
            if self.kinds_short and "kinds" not in skip
            else []
        )
        n_vars = n + len(country_groups) + len(kind_groups)
        rows: list[tuple[dict[int, float], float, float]] = []
        upper = np.inf if "max" in skip else self.max_new
        rows.append((dict.fromkeys(range(n), 1.0), self.min_new, upper))
        if self.need_company and "company" not in skip:
            companies = np.flatnonzero(self.kinds == InstitutionKind.COMPANY)
            rows.append((dict.fromkeys(companies.tolist(), 1.0), 1, np.inf))
        for j in self.needed:
            if ("competence", j) not in skip:
                rows.append(
                    (dict.fromkeys(np.flatnonzero(self.cover[:, j]).tolist(), 1.0), 1, np.inf)
                )
        for groups, values, short, offset in (
            (country_groups, self.countries, self.countries_short, n),
            (kind_groups, self.kinds, self.kinds_short, n + len(country_groups)),
        ):
            if not groups:
                continue
            for g, value in enumerate(groups):
                row = dict.fromkeys(np.flatnonzero(values == value).tolist(), -1.0)
                row[offset + g] = 1.0
                rows.append((row, -np.inf, 0))
            rows.append((dict.fromkeys(range(offset, offset + len(groups)), 1.0), short, np.inf))
        for cut in cuts:
            rows.append((dict.fromkeys(cut, 1.0), -np.inf, len(cut) - 1))

        entries = [
            (r, col, value)
            for r, (coefficients, _lb, _ub) in enumerate(rows)
            for col, value in coefficients.items()
        ]
        r_idx, c_idx, values = zip(*entries, strict=True) if entries else ((), (), ())
        matrix = sparse.csr_array(
            (
                np.asarray(values, dtype=np.float64),
                (np.asarray(r_idx, dtype=np.int64), np.asarray(c_idx, dtype=np.int64)),
            ),
            shape=(len(rows), max(n_vars, 1)),
        )
        lower = np.array([lb for _row, lb, _ub in rows], dtype=np.float64)
        upper_b = np.array([ub for _row, _lb, ub in rows], dtype=np.float64)
        cost = np.zeros(max(n_vars, 1))
        if objective:
            cost[:n] = -(self.scores - self.partner_cost)
        result = milp(
            cost,
            constraints=LinearConstraint(matrix, lower, upper_b),
            integrality=np.ones(max(n_vars, 1)),
            bounds=Bounds(0, 1),
            options={"time_limit": max(time_limit, 0.01), "disp": False, "presolve": True},
        )
        if result.x is None:
            return result.status, None
        chosen = np.flatnonzero(result.x[:n] > 0.5).tolist()
        return result.status, chosen

    # The greedy fallback ----------------------------------------------------------

    def greedy(self, *, banned: set[int]) -> list[int] | None:
        """Pick the candidate that meets most unmet rules (then the best score) until all hold."""
        chosen: list[int] = []
        covered = set()
        countries = set(self.fixed_countries)
        kinds = set(self.fixed_kinds)

        def gain(k: int) -> int:
            g = sum(1 for j in self.needed if j not in covered and self.cover[k, j])
            if self.need_company and InstitutionKind.COMPANY not in kinds:
                g += self.kinds[k] == InstitutionKind.COMPANY
            if len(countries) < self.rules.min_countries:
                g += str(self.countries[k]) not in countries
            if len(kinds) < self.rules.min_kinds:
                g += str(self.kinds[k]) not in kinds
            if len(chosen) < self.min_new:
                g += 1
            return int(g)

        def add(k: int) -> None:
            chosen.append(k)
            covered.update(j for j in self.needed if self.cover[k, j])
            countries.add(str(self.countries[k]))
            kinds.add(str(self.kinds[k]))

        available = [k for k in range(len(self.candidates)) if k not in banned]
        while len(chosen) < self.max_new:
            best = max(
                (k for k in available if k not in chosen and gain(k) > 0),
                key=lambda k: (gain(k), self.scores[k], -k),
                default=None,
            )
            if best is None:
                break
            add(best)
        for k in available:  # then anyone worth their cost, best first
            if len(chosen) >= self.max_new or self.scores[k] <= self.partner_cost:
                break
            if k not in chosen:
                add(k)
        return chosen if not self.failed_rules(chosen) else None

    # Why not --------------------------------------------------------------------------

    def blocking_rule(self, *, time_limit: float = 0.4) -> str:
        """Name the rule that no consortium can satisfy, as a sentence for the lead."""
        rules = self.rules
        if rules.min_partner_institutions > rules.max_partner_institutions:
            return ngettext(
                "The rules ask for at least %(min)s and at most %(max)s partner institution.",
                "The rules ask for at least %(min)s and at most %(max)s partner institutions.",
                rules.max_partner_institutions,
            ) % {"min": rules.min_partner_institutions, "max": rules.max_partner_institutions}
        if self.max_new < 0:
            return ngettext(
                "The consortium already has %(have)s partner institution; the rules allow at "
                "most %(max)s.",
                "The consortium already has %(have)s partner institutions; the rules allow at "
                "most %(max)s.",
                self.fixed_partners,
            ) % {"have": self.fixed_partners, "max": rules.max_partner_institutions}
        for j in self.needed:
            if not self.cover[:, j].any():
                return self._nobody_with(self.requirements[j], company=False)
        if self.need_company and not (self.kinds == InstitutionKind.COMPANY).any():
            if self._blocked_by_capacity(kind=InstitutionKind.COMPANY):
                return _("No company has capacity to join; the rules require one.")
            return _("No eligible company can join; the rules require one.")
        reachable = self.fixed_countries | set(self.countries.tolist())
        if len(reachable) < rules.min_countries:
            return ngettext(
                "Only %(have)s country among eligible institutions; the rules ask for %(n)s.",
                "Only %(have)s countries among eligible institutions; the rules ask for %(n)s.",
                len(reachable),
            ) % {"have": len(reachable), "n": rules.min_countries}
        kinds = self.fixed_kinds | set(self.kinds.tolist())
        if len(kinds) < rules.min_kinds:
            return ngettext(
                "Only %(have)s kind of institution among eligible institutions; the rules ask "
                "for %(n)s.",
                "Only %(have)s kinds of institution among eligible institutions; the rules ask "
                "for %(n)s.",
                len(kinds),
            ) % {"have": len(kinds), "n": rules.min_kinds}
        if len(self.candidates) < self.min_new:
            return ngettext(
                "Only %(have)s eligible partner institution; the rules ask for at least %(n)s.",
                "Only %(have)s eligible partner institutions; the rules ask for at least %(n)s.",
                len(self.candidates),
            ) % {"have": len(self.candidates), "n": rules.min_partner_institutions}
        return self._combination(deadline=time.perf_counter() + time_limit)

    def _combination(self, *, deadline: float) -> str:
        """Rules that hold one by one but not together: find which ones clash.

        Relax one family of rules at a time; those whose relaxation makes a consortium
        possible are the ones in conflict.
        """
        families = ["max"]
        if self.need_company:
            families.append("company")
        families += [("competence", j) for j in self.needed]
        if self.countries_short:
            families.append("countries")
        if self.kinds_short:
            families.append("kinds")
        critical = []
        for family in families:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            try:
                _status, chosen = self.solve(
                    cuts=[],
                    time_limit=min(remaining, 0.1),
                    objective=False,
                    skip=frozenset([family]),
                )
            except Exception:
                logger.exception("milp failed while looking for the blocking rule")
                chosen = None
            if chosen is not None:
                critical.append(family)
        if "company" in critical:
            for family in critical:
                if isinstance(family, tuple):
                    requirement = self.requirements[family[1]]
                    companies = self.kinds == InstitutionKind.COMPANY
                    if not (companies & self.cover[:, family[1]]).any():
                        return self._nobody_with(requirement, company=True)
        if "max" in critical:
            return ngettext(
                "No consortium of at most %(n)s partner institution meets every rule.",
                "No consortium of at most %(n)s partner institutions meets every rule.",
                self.rules.max_partner_institutions,
            ) % {"n": self.rules.max_partner_institutions}
        return _("No consortium meets every rule at once.")

    def _nobody_with(self, requirement, *, company: bool) -> str:
        names = {"competence": requirement.name}
        if company:
            if self._blocked_by_capacity(kind=InstitutionKind.COMPANY, column=requirement.column):
                return _("No company with competence %(competence)s has capacity.") % names
            return _("No eligible company has competence %(competence)s.") % names
        if self._blocked_by_capacity(column=requirement.column):
            return _("No institution with competence %(competence)s has capacity.") % names
        return _("No eligible institution has competence %(competence)s.") % names

    def _blocked_by_capacity(self, *, kind: str | None = None, column: int | None = None) -> bool:
        """Whether some member institution would qualify but for being at capacity."""
        ctx, index = self.ctx, self.index
        full = (
            ctx.known
            & (ctx.status == InstitutionStatus.MEMBER)
            & ctx.open
            & (ctx.load >= ctx.capacity)
            & (index.institution_ids != ctx.proposal.lead_institution_id)
        )
        if kind is not None:
            full &= index.institution_kinds == kind
        if column is not None:
            full &= index.institution_cover[:, column] > 0
        return bool(full.any())


def build_consortia(
    *,
    proposal: Proposal,
    rules: ConsortiumRules | None = None,
    index: MatchingIndex | None = None,
    alternatives: int = 3,
    time_limit: float = 0.4,
    partner_cost: float = PARTNER_COST,
) -> ConsortiumResult:
    """Up to ``alternatives`` distinct consortia that satisfy the rules, best first.

    When none can, ``blocking_rule`` says which rule blocks it.
    """
    index = resolve_index(index)
    rules = rules or ConsortiumRules.current()
    ctx = Context(proposal=proposal, index=index)
    problem = Problem(ctx=ctx, rules=rules, partner_cost=partner_cost)
    deadline = time.perf_counter() + time_limit
    picks: list[tuple[list[int], str]] = []
    banned: set[int] = set()
    for _n in range(max(alternatives, 1)):
        remaining = deadline - time.perf_counter()
        if picks and remaining <= 0:
            break
        cuts = [chosen for chosen, _method in picks]
        try:
            status, chosen = problem.solve(cuts=cuts, time_limit=remaining)
        except Exception:  # HiGHS refused the model: fall back rather than fail the page
            logger.exception("milp failed for proposal %s", proposal.pk)
            status, chosen = -1, None
        method = MILP
        if status == 2:  # proven infeasible: no (further) consortium exists
            break
        if chosen is None or problem.failed_rules(chosen):
            chosen, method = problem.greedy(banned=banned), GREEDY
            if chosen is None or any(set(chosen) == set(c) for c, _m in picks):
                break
        picks.append((chosen, method))
        if not chosen:
            break  # nothing to add: no other consortium differs by dropping someone
        banned.add(min(chosen))  # candidates are best first: ban each option's best
    if not picks:
        return ConsortiumResult(
            options=[], blocking_rule=problem.blocking_rule(time_limit=max(time_limit, 0.1))
        )
    return ConsortiumResult(options=_options(problem, picks))


def _options(problem: Problem, picks: list[tuple[list[int], str]]) -> list[ConsortiumOption]:
    index = problem.index
    lead_id = problem.ctx.proposal.lead_institution_id
    proposed_ids = {int(index.institution_ids[problem.candidates[k]]) for c, _m in picks for k in c}
    objects = Institution.objects.in_bulk(set(problem.fixed_ids) | proposed_ids)
    current = sorted(
        (objects[pk] for pk in problem.fixed_ids if pk != lead_id and pk in objects),
        key=lambda i: (i.name, i.pk),
    )
    lead = [objects[lead_id]] if lead_id in objects else []
    options = []
    for chosen, method in picks:
        chosen = sorted(chosen, key=lambda k: (-problem.scores[k], k))
        proposed = [objects[int(index.institution_ids[problem.candidates[k]])] for k in chosen]
        scores = {i.pk: float(problem.scores[k]) for i, k in zip(proposed, chosen, strict=True)}
        brings = {
            i.pk: [problem.requirements[j].name for j in problem.uncovered if problem.cover[k, j]]
            for i, k in zip(proposed, chosen, strict=True)
        }
        components = {
            name: float(values[chosen].sum()) for name, values in problem.contributions.items()
        }
        failed = problem.failed_rules(chosen)
        options.append(
            ConsortiumOption(
                institutions=lead + current + proposed,
                proposed=proposed,
                scores=scores,
                total_score=float(sum(scores.values())),
                satisfies_rules=not failed,
                method=method,
                failed_rules=failed,
                components=components,
                brings=brings,
            )
        )
    return options
