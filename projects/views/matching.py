"""Matching pages: Find partners, Whole consortia and reverse matching."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import DomainError
from core.http import HtmxHttpRequest, render_page
from core.pagecache import member_page
from members.models import Institution
from members.rules import affiliations_of
from projects import matching, selectors, services
from projects.forms import (
    ConsortiumInviteForm,
    InviteForm,
    PartnerFilterForm,
)
from projects.matching.weights import DIVERSITY_WINDOW, MAX_PER_COUNTRY, MAX_PER_INSTITUTION
from projects.models import (
    ConsortiumRules,
)
from projects.rules import is_lead

# Matching -------------------------------------------------------------------------------


@member_page
@login_required
@require_GET
def find_partners(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Ranked, explained partner suggestions for the lead, with "why not" for any institution."""
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.find_partners", request.user, proposal):
        raise Http404
    index = matching.get_index()
    form = PartnerFilterForm(
        request.GET or None, viewer=request.user, countries=index.member_countries
    )
    filters = form.filters()
    asked_about = filters.pop("why_not")
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
        "diversity": filters["diversity"],
        "caps": {
            "window": DIVERSITY_WINDOW,
            "per_institution": MAX_PER_INSTITUTION,
            "per_country": MAX_PER_COUNTRY,
        },
        "reranked": any(s.moved_up for s in [*people, *institutions]),
        "diversity_toggle": _with_query(request, by_score="on" if filters["diversity"] else None),
        "can_invite": rules.has_perm("projects.invite_partners", request.user, proposal),
        "invite_form": InviteForm(),
    }
    return render_page(request, "projects/find_partners.html", context, partial="results")


def _with_query(request: HttpRequest, **params: str | None) -> str:
    """This page's URL with its query string, some parameters set (None: removed)."""
    query = request.GET.copy()
    for name, value in params.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return f"{request.path}?{query.urlencode()}"


@member_page
@login_required
@require_GET
def consortium_builder(request: HttpRequest, slug: str) -> HttpResponse:
    """Whole consortia that satisfy the rules, best first; or the rule that blocks them."""
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.find_partners", request.user, proposal):
        raise Http404
    consortium_rules = ConsortiumRules.current()
    result = matching.build_consortia(proposal=proposal, rules=consortium_rules)
    context = {
        "proposal": proposal,
        "result": result,
        "choices": selectors.consortium_choices(proposal=proposal, result=result),
        "rules": consortium_rules,
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
@require_http_methods(["GET", "POST"])
def consortium_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite one suggested consortium: the list to confirm (GET), then the invitations (POST)."""
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not is_lead.test(request.user, proposal):
        raise Http404
    builder = reverse("projects:consortium_builder", args=[proposal.slug])
    if not rules.has_perm("projects.invite_partners", request.user, proposal):
        messages.error(request, _("Invitations go out while the proposal is being defined."))
        return redirect(proposal)
    form = ConsortiumInviteForm(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.consortium_invite(
                proposal=proposal,
                actor=request.user,
                institutions=form.cleaned_data["institution"],
                message=form.cleaned_data["message"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if sent.invited:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s invitation sent: %(names)s.",
                        "%(n)s invitations sent: %(names)s.",
                        len(sent.invited),
                    )
                    % {
                        "n": len(sent.invited),
                        "names": ", ".join(p.institution.name for p in sent.invited),
                    },
                )
            else:
                messages.info(
                    request,
                    _("Everyone in this consortium is already invited or in it; nothing was sent."),
                )
            return redirect(proposal.get_absolute_url() + "#consortium")
    form.is_valid()  # a GET shows what it would send, or why it cannot
    context = {
        "proposal": proposal,
        "form": form,
        "preview": selectors.consortium_invite_preview(
            proposal=proposal, institutions=list(form.cleaned_data.get("institution", []))
        ),
        "builder": builder,
    }
    return render(request, "projects/consortium_invite.html", context)


@member_page
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
