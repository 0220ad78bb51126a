"""Proposal pages: lists, the proposal page, create and edit, stage actions, revisions."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import DomainError, NotPermitted
from core.http import HtmxHttpRequest, render_page
from core.pagecache import member_page, public_page
from members.models import Competence, FocusArea
from members.selectors import competence_vocabulary
from projects import matching, selectors, services
from projects.enums import DEFINE_STAGES, MilestoneStatus, Stage
from projects.forms import (
    CompetenceSuggestionForm,
    JoinRequestForm,
    MilestoneForm,
    ProgressUpdateForm,
    ProposalForm,
    RevisionCompareForm,
    TransitionForm,
)
from projects.models import Proposal
from projects.services import TRANSITIONS, PreconditionsFail
from projects.views.base import PAGE_SIZE

# Lists ----------------------------------------------------------------------------------


def _list_query(
    request: HttpRequest,
) -> tuple[QuerySet[Proposal], list[Stage], list[str] | None, FocusArea | None]:
    """The list's proposals for the request's filters, in its order; the filters as read."""
    offered = selectors.stages_visible_to(user=request.user)
    stage = request.GET.get("stage", "")
    stages = [stage] if stage in offered else None
    proposals = selectors.proposal_list(user=request.user, stages=stages)
    focus_area = selectors.focus_area_or_none(slug=request.GET.get("focus_area", ""))
    if focus_area is not None:
        proposals = proposals.filter(focus_area=focus_area)
    return proposals.order_by("-stage_changed_at"), offered, stages, focus_area


def proposal_list_rows(request: HttpRequest) -> QuerySet[Proposal]:
    """The proposals the list shows for the request's filters (the page and its CSV)."""
    return _list_query(request)[0]


@public_page
@require_GET
def proposal_list(request: HtmxHttpRequest) -> HttpResponse:
    proposals, offered, stages, focus_area = _list_query(request)
    stage = request.GET.get("stage", "")
    # The CSV link carries the filters on screen (the page number aside).
    export_query = request.GET.copy()
    export_query.pop("page", None)
    page_obj = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "stage": stage if stages else "",
        "stage_choices": [(s.value, s.label) for s in offered],
        "focus_area": focus_area,
        "can_create": rules.has_perm("projects.create_proposal", request.user),
        "can_export": rules.has_perm("projects.export_proposals", request.user),
        "export_query": export_query.urlencode(),
    }
    return render_page(request, "projects/proposal_list.html", context, partial="results")


@member_page
@login_required
@require_GET
def my_proposals(request: HttpRequest) -> HttpResponse:
    proposals = selectors.my_proposals(user=request.user).order_by("-updated_at")
    page_obj = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "can_create": rules.has_perm("projects.create_proposal", request.user),
    }
    return render(request, "projects/my_proposals.html", context)


# One proposal ---------------------------------------------------------------------------


@public_page
@require_GET
def proposal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    user = request.user
    reviews = selectors.reviews_visible_to(proposal=proposal, user=user)
    revisions = selectors.proposal_revisions(proposal=proposal)
    # Loaded first: the rules asked below read these rows rather than query them again.
    consortium = selectors.proposal_consortium(proposal=proposal)
    required = selectors.proposal_required_competences(proposal=proposal)
    join_form = (
        JoinRequestForm(
            institutions=selectors.join_request_institutions(proposal=proposal, user=user)
        )
        if rules.has_perm("projects.request_to_join", user, proposal)
        else None
    )
    # Checked once with the rows loaded here; the actions' preconditions reuse it.
    rule_results = (
        services.consortium_check(
            proposal=proposal, participations=consortium, required=required, remember=True
        )
        if proposal.stage in DEFINE_STAGES
        else []
    )
    context = {
        "proposal": proposal,
        "actions": [
            (t, services.transition_blockers(proposal=proposal, transition=t))
            for t in services.transitions_for(proposal=proposal, user=user)
            if not t.via_decision
        ],
        "consortium": consortium,
        "participation_actions": selectors.participation_actions(
            participations=consortium, user=user
        ),
        "can_invite": rules.has_perm("projects.invite_partners", user, proposal),
        "join_form": join_form,
        "required": required,
        "coverage": selectors.coverage_matrix(required=required, participations=consortium)
        if required
        else [],
        "rules": rule_results,
        "timeline": selectors.proposal_history(proposal=proposal, user=user),
        "revisions": revisions,
        "reviews": reviews,
        "own_assignment": reviews.own_assignment,
        "diff_since_review": selectors.diff_since_own_review(reviews=reviews, revisions=revisions),
        "can_edit": rules.has_perm("projects.edit_proposal", user, proposal),
        "can_decide": proposal.stage == Stage.REVIEW
        and rules.has_perm("projects.decide_proposal", user),
        "can_assign": proposal.stage == Stage.REVIEW
        and rules.has_perm("projects.assign_reviewers", user),
        "aggregate": services.review_aggregate(reviews=reviews.reviews)
        if reviews.show_names and reviews.reviews
        else None,
        "decisions": list(proposal.decisions.all())
        if rules.has_perm("projects.view_decision_reason", user, proposal)
        else [],
    }
    if proposal.is_kicked_off:
        context |= {
            "can_drive": rules.has_perm("projects.manage_milestones", user, proposal),
            "milestones": list(proposal.milestones.all()),
            "updates": list(
                proposal.progress_updates.select_related("author")[: selectors.UPDATES_SHOWN]
            ),
            "milestone_form": MilestoneForm(),
            "update_form": ProgressUpdateForm(),
            "milestone_statuses": MilestoneStatus.choices,
        }
    return render(request, "projects/proposal_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    if not rules.has_perm("projects.create_proposal", request.user):
        messages.error(request, _("Proposals are led by researchers with an active affiliation."))
        return redirect("members:my_affiliations")
    vocabulary = list(competence_vocabulary())
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        vocabulary=vocabulary,
        lead_institutions=selectors.lead_institutions(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(lead=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your draft is saved. Only you can see it for now."))
            return redirect(proposal)
    _offer_suggestions(form, vocabulary)
    return render(request, "projects/proposal_form.html", {"form": form, "proposal": None})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.edit_proposal", request.user, proposal):
        raise Http404
    vocabulary = list(competence_vocabulary())
    importances = selectors.proposal_competence_importances(proposal=proposal)
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        instance=proposal,
        vocabulary=vocabulary,
        importances=importances,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.proposal_update(
                proposal=proposal, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            # The service saves (and keeps a revision) only when something differs.
            if saved.updated_at == proposal.updated_at:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Saved. A new revision is on record."))
            return redirect(proposal)
    _offer_suggestions(form, vocabulary)
    return render(request, "projects/proposal_form.html", {"form": form, "proposal": proposal})


def _offer_suggestions(
    form: ProposalForm | CompetenceSuggestionForm, vocabulary: list[Competence]
) -> None:
    """Suggest competences from the form's text as the lead has it, not from what is saved."""
    form.suggested_competences = matching.suggest_draft_competences(
        fields=form.text,
        vocabulary=vocabulary,
        chosen=form.chosen_competences,
        ticked=form.ticked_suggestions,
    )


@login_required
@require_POST
def proposal_competence_suggestions(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The proposal form's suggested competences, for the text the lead has written so far.

    Reads only what the request sends (the form as it stands); saves nothing. For a new
    proposal, whoever may create one; for a saved one, whoever may edit it (404 otherwise).
    """
    if slug is None:
        if not rules.has_perm("projects.create_proposal", request.user):
            raise Http404
    else:
        proposal = selectors.proposal_get(user=request.user, slug=slug)
        if not rules.has_perm("projects.edit_proposal", request.user, proposal):
            raise Http404
    vocabulary = list(competence_vocabulary())
    form = CompetenceSuggestionForm(request.POST, vocabulary=vocabulary)
    if form.is_valid():
        _offer_suggestions(form, vocabulary)
    else:
        # The error shows in the block; the ticks stay, as the lead may still save them.
        form.suggested_competences = [
            c
            for c in vocabulary
            if c.pk in form.ticked_suggestions and c.pk not in form.chosen_competences
        ]
    return render(request, "projects/proposal_form.html#suggestions", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_transition(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    transition = next(
        (
            t
            for t in services.transitions_for(proposal=proposal, user=request.user)
            if t.name == name and not t.via_decision
        ),
        None,
    )
    if transition is None:
        # Not on offer to this user now: the stage moved on, or they may not.
        if any(t.name == name for t in TRANSITIONS.values()):
            messages.error(request, _("That action is not available for this proposal now."))
            return redirect(proposal)
        raise Http404
    form = TransitionForm(request.POST if request.method == "POST" else None)
    blockers = services.transition_blockers(proposal=proposal, transition=transition)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_transition(
                proposal=proposal,
                to=transition.target,
                actor=request.user,
                comment=form.cleaned_data["comment"],
            )
        except NotPermitted:
            raise Http404 from None
        except PreconditionsFail as error:
            # The page lists the failing rules (with what fixes each); the same words again
            # as a form error would say it twice.
            blockers = error.blockers
        except DomainError as error:
            # Only a missing reason belongs to the comment; anything else is the page's.
            missing_reason = transition.comment_required and not form.cleaned_data["comment"]
            form.add_error("comment" if missing_reason else None, error.message)
        else:
            messages.success(
                request,
                _("The proposal is now in %(stage)s.") % {"stage": transition.target.label},
            )
            return redirect(proposal)
    context = {
        "proposal": proposal,
        "transition": transition,
        "form": form,
        "blockers": blockers,
        "can_invite": rules.has_perm("projects.invite_partners", request.user, proposal),
    }
    return render(request, "projects/transition_form.html", context)


@public_page
@require_GET
def revision_list(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    revisions = selectors.proposal_revisions(proposal=proposal)
    by_number = {r.number: r for r in revisions}
    diff = None
    form = RevisionCompareForm(request.GET or None)
    if form.is_valid():
        old, new = by_number.get(form.cleaned_data["old"]), by_number.get(form.cleaned_data["new"])
        if old is None or new is None:
            form.add_error(None, _("Choose two revisions of this proposal."))
        else:
            diff = selectors.revision_diff(old=old, new=new)
    elif len(revisions) >= 2 and not request.GET:
        diff = selectors.revision_diff(old=revisions[1], new=revisions[0])
        form = RevisionCompareForm(initial={"old": revisions[1].number, "new": revisions[0].number})
    context = {"proposal": proposal, "revisions": revisions, "form": form, "diff": diff}
    return render(request, "projects/revision_list.html", context)
