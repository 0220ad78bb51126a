"""Matching pages: Find partners, Whole consortia and reverse matching."""

from __future__ import annotations

import rules
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.http import HtmxHttpRequest, render_page
from members.models import Institution
from members.rules import affiliations_of
from projects import matching, selectors
from projects.forms import (
    InviteForm,
    PartnerFilterForm,
)
from projects.models import (
    ConsortiumRules,
)

# Matching -------------------------------------------------------------------------------


@login_required
@require_GET
def find_partners(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Ranked, explained partner suggestions for the lead, with "why not" for any institution."""
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.find_partners", request.user, proposal):
        raise Http404
    form = PartnerFilterForm(request.GET or None)
    filters = form.filters()
    asked_about = filters.pop("why_not")
    index = matching.get_index()
    people = matching.suggest_people(proposal=proposal, index=index, limit=20, **filters)
    institutions = matching.suggest_institutions(
        proposal=proposal, index=index, limit=10, **filters
    )
    why_not = None
    if asked_about is not None:
        why_not = (
            asked_about,
            matching.why_not(proposal=proposal, institution=asked_about, index=index),
        )
    context = {
        "proposal": proposal,
        "form": form,
        "people": people,
        "institutions": institutions,
        "why_not": why_not,
        "can_invite": rules.has_perm("projects.invite_partners", request.user, proposal),
        "invite_form": InviteForm(),
    }
    return render_page(request, "projects/find_partners.html", context, partial="results")


@login_required
@require_GET
def consortium_builder(request: HttpRequest, slug: str) -> HttpResponse:
    """Whole consortia that satisfy the rules, best first; or the rule that blocks them."""
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.find_partners", request.user, proposal):
        raise Http404
    result = matching.build_consortia(proposal=proposal)
    context = {
        "proposal": proposal,
        "result": result,
        "rules": ConsortiumRules.current(),
        "can_invite": rules.has_perm("projects.invite_partners", request.user, proposal),
    }
    return render(request, "projects/consortium_builder.html", context)


def _each_once(shown: list, by_institution: list) -> list:
    """The institutions' lists without the proposals listed before (for the person, or above).

    A representative whose own competences match a call would otherwise see it twice.
    """
    seen = {proposal.pk for proposal, _score, _matched in shown}
    lists = []
    for institution, matches in by_institution:
        fresh = [match for match in matches if match[0].pk not in seen]
        seen |= {proposal.pk for proposal, _score, _matched in fresh}
        lists.append((institution, fresh))
    return lists


@login_required
@require_GET
def proposals_for_me(request: HtmxHttpRequest) -> HttpResponse:
    """Reverse matching: open calls in Define that need the user's, or their institution's, expertise."""
    affiliations = affiliations_of(request.user)
    if not affiliations.member_of:
        for_me, for_institutions = [], []
    else:
        index = matching.get_index()
        for_me = matching.proposals_needing(person=request.user, index=index, limit=8)
        for_institutions = _each_once(
            for_me,
            [
                (
                    institution,
                    matching.proposals_needing(institution=institution, index=index, limit=5),
                )
                for institution in Institution.objects.filter(pk__in=affiliations.represents)
            ],
        )
    context = {"for_me": for_me, "for_institutions": for_institutions}
    return render_page(request, "projects/proposals_for_me.html", context, partial="matches")
