"""Why a candidate is not suggested: the reasons of the hard filters, shown as "why not"."""

from __future__ import annotations

from itertools import chain

import numpy as np
from django.utils.translation import gettext as _

from members.enums import InstitutionStatus
from members.models import Institution, User
from projects.enums import OPEN_PARTICIPATION
from projects.matching.cache import resolve_index
from projects.matching.context import Context, institution_loads
from projects.matching.index import MatchingIndex
from projects.models import Participation, Proposal


def capacity_reason(load: int, capacity: int) -> str:
    return _("at capacity %(load)s/%(capacity)s") % {"load": load, "capacity": capacity}


def institution_reasons(
    *,
    pk: int,
    proposal: Proposal,
    members: set[int],
    pending: set[int],
    status: str,
    open_to_partnering: bool,
    load: int,
    capacity: int,
) -> list[str]:
    """Each filter the institution fails, from its live state (empty: it passes them all)."""
    if pk == proposal.lead_institution_id:
        return [_("the lead's own institution")]
    reasons = []
    if pk in members or pk in pending:
        reasons.append(_("already in the consortium"))
    if status == InstitutionStatus.APPLICANT:
        reasons.append(_("not a member yet"))
    elif status == InstitutionStatus.SUSPENDED:
        reasons.append(_("suspended"))
    if not open_to_partnering:
        reasons.append(_("opted out"))
    if load >= capacity:
        reasons.append(capacity_reason(load, capacity))
    return reasons


def filter_reasons(ctx: Context, i: int) -> list[str]:
    """Why the institution at index position ``i`` is not suggested (empty: it is)."""
    if not ctx.known[i]:
        return [_("no longer in the alliance")]
    return institution_reasons(
        pk=int(ctx.index.institution_ids[i]),
        proposal=ctx.proposal,
        members=ctx.members,
        pending=ctx.pending,
        status=ctx.status[i],
        open_to_partnering=bool(ctx.open[i]),
        load=int(ctx.load[i]),
        capacity=int(ctx.capacity[i]),
    )


def why_not(
    *, proposal: Proposal, institution: Institution, index: MatchingIndex | None = None
) -> list[str]:
    """The filter reasons that keep an institution out of the suggestions (empty: none)."""
    index = resolve_index(index)
    i = index.institution_pos.get(institution.pk)
    if i is not None:
        return filter_reasons(Context(proposal=proposal, index=index), i)
    # Newer than the index: judge it on the live row alone.
    institution = Institution.objects.get(pk=institution.pk)
    participations = dict(
        Participation.objects.filter(
            proposal=proposal, institution=institution, status__in=OPEN_PARTICIPATION
        ).values_list("institution_id", "status")
    )
    load = next((n for pk, n, _p in institution_loads() if pk == institution.pk), 0)
    reasons = institution_reasons(
        pk=institution.pk,
        proposal=proposal,
        members=set(participations),
        pending=set(),
        status=institution.status,
        open_to_partnering=institution.open_to_partnering,
        load=load,
        capacity=institution.capacity,
    )
    return reasons or [_("new to the alliance: suggested once the index is rebuilt")]


def why_not_person(
    *, proposal: Proposal, person: User, index: MatchingIndex | None = None
) -> list[str]:
    """Why a person is not suggested: their own choice, or each of their institutions' reasons."""
    index = resolve_index(index)
    if person.pk == proposal.lead_id:
        return [_("the lead")]
    reasons = []
    if not User.objects.filter(pk=person.pk, open_to_partnering=True).exists():
        reasons.append(_("opted out"))
    rows = index.rows_of_person.get(person.pk, [])
    if not rows:
        return [*reasons, _("no active membership")]
    ctx = Context(proposal=proposal, index=index)
    per_institution = [filter_reasons(ctx, int(index.row_institution[r])) for r in rows]
    if any(not r for r in per_institution):
        return reasons
    return reasons + list(dict.fromkeys(chain.from_iterable(per_institution)))


def excluded_institutions(
    *, proposal: Proposal, index: MatchingIndex | None = None
) -> dict[int, list[str]]:
    """Every institution the filters keep out, with its reasons, by primary key."""
    index = resolve_index(index)
    ctx = Context(proposal=proposal, index=index)
    out = {}
    for i in np.flatnonzero(~ctx.eligible).tolist():
        if ctx.known[i]:
            out[int(index.institution_ids[i])] = filter_reasons(ctx, i)
    return out
