"""Review pages: reviewers, reviews, decisions, the queue, the board, rules and criteria."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import DomainError
from core.http import HtmxHttpRequest, render_page
from core.pagecache import member_page
from projects import selectors, services
from projects.enums import AssignmentStatus, Stage
from projects.forms import (
    ConsortiumRulesForm,
    CriterionFormSet,
    DecisionForm,
    ReviewerAssignForm,
    ReviewerSearchForm,
    ReviewForm,
    ReviewQueueFilterForm,
)
from projects.models import (
    ConsortiumRules,
    Criterion,
    ReviewAssignment,
)
from projects.views.base import PAGE_SIZE

# Review ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_assign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if proposal.stage != Stage.REVIEW or not rules.has_perm(
        "projects.assign_reviewers", request.user
    ):
        raise Http404
    assign_form = ReviewerAssignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and assign_form.is_valid():
        reviewer = assign_form.cleaned_data["reviewer"]
        try:
            services.review_assign(proposal=proposal, reviewer=reviewer, actor=request.user)
        except DomainError as error:
            assign_form.add_error("reviewer", error.message)
        else:
            messages.success(
                request, _("%(person)s now reviews this proposal.") % {"person": reviewer}
            )
            return redirect("projects:reviewer_assign", slug=proposal.slug)
    form = ReviewerSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    page = selectors.reviewer_page(proposal=proposal, search=search)
    context = {
        "proposal": proposal,
        "form": form,
        "assign_form": assign_form,
        "candidates": page.candidates,
        "required": page.required,
        "more": page.more,
        "assignments": page.assignments,
    }
    return render_page(request, "projects/reviewer_assign.html", context, partial="candidates")


@login_required
@require_POST
def reviewer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    if not rules.has_perm("projects.assign_reviewers", request.user):
        raise Http404
    assignment = get_object_or_404(
        ReviewAssignment.objects.select_related("proposal", "reviewer"), pk=pk
    )
    try:
        services.review_withdraw_assignment(assignment=assignment, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(person)s no longer reviews this proposal.") % {"person": assignment.reviewer},
        )
    return redirect("projects:reviewer_assign", slug=assignment.proposal.slug)


@login_required
@require_http_methods(["GET", "POST"])
def review_submit(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if proposal.stage != Stage.REVIEW:
        raise Http404
    assignment = get_object_or_404(
        ReviewAssignment.objects.exclude(status=AssignmentStatus.WITHDRAWN),
        proposal=proposal,
        reviewer=request.user,
    )
    form = ReviewForm(
        request.POST if request.method == "POST" else None, criteria=selectors.active_criteria()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit(
                assignment=assignment,
                actor=request.user,
                scores=form.scores(),
                recommendation=form.cleaned_data["recommendation"],
                comment=form.cleaned_data["comment"],
                request_token=form.cleaned_data["request_token"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you: your review is submitted."))
            return redirect(proposal)
    return render(request, "projects/review_form.html", {"proposal": proposal, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_decide(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.decide_proposal", request.user):
        raise Http404
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.proposal_decide(
                    proposal=proposal,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    expected=form.cleaned_data["stage"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Decision recorded; the lead sees it on the proposal."))
            return redirect(proposal)
    elif proposal.stage != Stage.REVIEW:
        raise Http404
    else:
        form = DecisionForm(initial={"stage": proposal.stage})
    reviews = selectors.reviews_visible_to(proposal=proposal, user=request.user)
    criteria = selectors.active_criteria()
    context = {
        "proposal": proposal,
        "form": form,
        "reviews": reviews,
        "criteria": criteria,
        "aggregate": services.review_aggregate(reviews=reviews.reviews),
    }
    return render(request, "projects/decision_form.html", context)


@member_page
@login_required
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    if not rules.has_perm("projects.view_review_queue", request.user):
        raise Http404
    form = ReviewQueueFilterForm(request.GET or None)
    proposals = selectors.review_queue(**form.filters())
    page_obj = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    # The CSV link carries the filters on screen (the page number aside).
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context = {"form": form, "page_obj": page_obj, "export_query": export_query.urlencode()}
    return render_page(request, "projects/review_queue.html", context, partial="results")


@member_page
@login_required
@require_GET
def reviewer_inbox(request: HttpRequest) -> HttpResponse:
    assignments = selectors.reviewer_inbox(user=request.user)
    return render(request, "projects/reviewer_inbox.html", {"assignments": assignments})


@member_page
@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    if not rules.has_perm("projects.view_review_queue", request.user):
        raise Http404
    columns = selectors.pipeline(user=request.user)
    return render(request, "projects/pipeline.html", {"columns": columns})


@login_required
@require_http_methods(["GET", "POST"])
def alliance_rules(request: HttpRequest) -> HttpResponse:
    """Coordinators set the consortium rules and the review criteria."""
    if not rules.has_perm("projects.edit_alliance_rules", request.user):
        raise Http404
    data = request.POST if request.method == "POST" else None
    rules_form = ConsortiumRulesForm(data, instance=ConsortiumRules.current(), prefix="rules")
    criteria_formset = CriterionFormSet(data, queryset=Criterion.objects.all(), prefix="criteria")
    if request.method == "POST" and rules_form.is_valid() and criteria_formset.is_valid():
        try:
            services.alliance_rules_update(
                actor=request.user,
                rules=rules_form.cleaned_data,
                criteria=criteria_formset.changes(),
            )
        except ValidationError as error:
            rules_form.add_error(None, error)
        else:
            messages.success(request, _("The rules and criteria are saved."))
            return redirect("projects:alliance_rules")
    context = {"rules_form": rules_form, "criteria_formset": criteria_formset}
    return render(request, "projects/alliance_rules.html", context)
