"""Proposal pages: permission → form → service → response; hidden proposals answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from alliance.exceptions import DomainError
from members.enums import MembershipStatus
from members.models import User
from members.selectors import competence_vocabulary
from projects import selectors, services
from projects.enums import AssignmentStatus, MilestoneStatus, Stage
from projects.forms import (
    ConsortiumRulesForm,
    CriterionFormSet,
    DecisionForm,
    MilestoneForm,
    MilestoneStatusForm,
    ProgressUpdateForm,
    ProposalForm,
    ReviewerSearchForm,
    ReviewForm,
    ReviewQueueFilterForm,
    RevisionCompareForm,
    TransitionForm,
    lead_institutions_for,
)
from projects.models import ConsortiumRules, Criterion, Milestone, ReviewAssignment
from projects.services import TRANSITIONS, TransitionRefused

PAGE_SIZE = 25


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _partial(request: HtmxHttpRequest, template: str, block: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{block}"
    return template


# Lists ----------------------------------------------------------------------------------


@require_GET
def proposal_list(request: HtmxHttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    stages = [stage] if stage in Stage.values else None
    proposals = selectors.proposal_list(user=request.user, stages=stages).order_by(
        "-stage_changed_at"
    )
    page_obj = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "stage": stage, "stages": Stage}
    return render(request, _partial(request, "projects/proposal_list.html", "results"), context)


@login_required
@require_GET
def my_proposals(request: HttpRequest) -> HttpResponse:
    proposals = selectors.my_proposals(user=request.user).order_by("-updated_at")
    page_obj = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "can_create": request.user.has_perm("projects.create_proposal"),
    }
    return render(request, "projects/my_proposals.html", context)


# One proposal ---------------------------------------------------------------------------


DRIVE_STAGES = (Stage.DRIVE, Stage.PAUSED, Stage.COMPLETED)
DEFINE_STAGES = (Stage.DRAFT, Stage.DEFINE, Stage.CHANGES_REQUESTED)


@require_GET
def proposal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    user = request.user
    reviews = selectors.reviews_visible_to(proposal=proposal, user=user)
    revisions = selectors.proposal_revisions(proposal=proposal)
    diff_since_review = None
    if reviews.own and revisions and reviews.own.revision_number < revisions[0].number:
        old = next((r for r in revisions if r.number == reviews.own.revision_number), None)
        if old is not None:
            diff_since_review = selectors.revision_diff(old=old, new=revisions[0])
    in_drive = proposal.stage in DRIVE_STAGES
    context = {
        "proposal": proposal,
        "actions": [
            (t, services.transition_blockers(proposal=proposal, transition=t))
            for t in services.transitions_for(proposal=proposal, user=user)
            if not t.via_decision
        ],
        "consortium": selectors.proposal_consortium(proposal=proposal),
        "required": selectors.proposal_required_competences(proposal=proposal),
        "rules": services.consortium_check(proposal=proposal)
        if proposal.stage in DEFINE_STAGES
        else [],
        "timeline": selectors.proposal_timeline(proposal=proposal),
        "revisions": revisions,
        "reviews": reviews,
        "own_assignment": reviews.own_assignment,
        "diff_since_review": diff_since_review,
        "can_edit": user.has_perm("projects.edit_proposal", proposal),
        "can_decide": proposal.stage == Stage.REVIEW and user.has_perm("projects.decide_proposal"),
        "can_assign": proposal.stage == Stage.REVIEW and user.has_perm("projects.assign_reviewers"),
        "aggregate": services.review_aggregate(
            reviews=reviews.reviews, criteria=selectors.active_criteria()
        )
        if reviews.show_names and reviews.reviews
        else None,
        "decisions": list(proposal.decisions.all())
        if user.is_authenticated and (user.pk == proposal.lead_id or user.is_coordinator)
        else [],
    }
    if in_drive:
        context |= {
            "can_drive": user.has_perm("projects.manage_milestones", proposal),
            "milestones": list(proposal.milestones.all()),
            "updates": list(proposal.progress_updates.select_related("author")[:20]),
            "milestone_form": MilestoneForm(),
            "update_form": ProgressUpdateForm(),
            "milestone_statuses": MilestoneStatus.choices,
        }
    return render(request, "projects/proposal_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("projects.create_proposal"):
        messages.error(request, _("Proposals are led by researchers with an active affiliation."))
        return redirect("members:my_affiliations")
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        vocabulary=competence_vocabulary(),
        lead_institutions=lead_institutions_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            proposal = services.proposal_create(
                lead=request.user,
                lead_institution=data.pop("lead_institution"),
                competences=data.pop("competences"),
                **data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your draft is saved. Only you can see it for now."))
            return redirect(proposal)
    return render(request, "projects/proposal_form.html", {"form": form, "proposal": None})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not request.user.has_perm("projects.edit_proposal", proposal):
        raise Http404
    importances = dict(proposal.required_competences.values_list("competence_id", "importance"))
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        instance=proposal,
        vocabulary=competence_vocabulary(),
        importances=importances,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.proposal_update(
                proposal=proposal,
                actor=request.user,
                competences=data.pop("competences"),
                **data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved. A new revision is on record."))
            return redirect(proposal)
    return render(request, "projects/proposal_form.html", {"form": form, "proposal": proposal})


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
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_transition(
                proposal=proposal,
                to=transition.target,
                actor=request.user,
                comment=form.cleaned_data["comment"],
            )
        except TransitionRefused:
            raise Http404 from None
        except DomainError as error:
            form.add_error("comment" if transition.comment_required else None, error.message)
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
        "blockers": services.transition_blockers(proposal=proposal, transition=transition),
    }
    return render(request, "projects/transition_form.html", context)


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


# Review ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_assign(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if proposal.stage != Stage.REVIEW or not request.user.has_perm("projects.assign_reviewers"):
        raise Http404
    if request.method == "POST":
        reviewer = get_object_or_404(User, pk=request.POST.get("reviewer"), is_active=True)
        try:
            services.review_assign(proposal=proposal, reviewer=reviewer, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(person)s now reviews this proposal.") % {"person": reviewer}
            )
        return redirect("projects:reviewer_assign", slug=proposal.slug)
    form = ReviewerSearchForm(request.GET or None)
    candidates = []
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        people = (
            User.objects.filter(is_active=True, memberships__status=MembershipStatus.ACTIVE)
            .filter(Q(display_name__icontains=q) | Q(email__icontains=q))
            .distinct()
            .order_by("display_name")[:20]
        )
        candidates = [
            (person, services.reviewer_conflict(proposal=proposal, reviewer=person))
            for person in people
        ]
    context = {
        "proposal": proposal,
        "form": form,
        "candidates": candidates,
        "assignments": list(
            proposal.review_assignments.select_related("reviewer").exclude(
                status=AssignmentStatus.WITHDRAWN
            )
        ),
    }
    return render(
        request, _partial(request, "projects/reviewer_assign.html", "candidates"), context
    )


@login_required
@require_POST
def reviewer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("projects.assign_reviewers"):
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
    if not request.user.has_perm("projects.decide_proposal"):
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
                messages.success(request, _("Decision recorded; the lead is notified."))
                return redirect(proposal)
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
        "aggregate": services.review_aggregate(reviews=reviews.reviews, criteria=criteria),
    }
    return render(request, "projects/decision_form.html", context)


@login_required
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.has_perm("projects.view_review_queue"):
        raise Http404
    form = ReviewQueueFilterForm(request.GET or None)
    proposals = selectors.review_queue(**form.filters())
    page_obj = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj}
    return render(request, _partial(request, "projects/review_queue.html", "results"), context)


@login_required
@require_GET
def reviewer_inbox(request: HttpRequest) -> HttpResponse:
    assignments = selectors.reviewer_inbox(user=request.user)
    return render(request, "projects/reviewer_inbox.html", {"assignments": assignments})


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("projects.view_review_queue"):
        raise Http404
    columns = selectors.pipeline(user=request.user)
    stages = [(stage, columns[stage.value]) for stage in Stage if stage != Stage.DRAFT]
    return render(request, "projects/pipeline.html", {"stages": stages})


@login_required
@require_http_methods(["GET", "POST"])
def alliance_rules(request: HttpRequest) -> HttpResponse:
    """Coordinators set the consortium rules and the review criteria."""
    if not request.user.has_perm("projects.edit_alliance_rules"):
        raise Http404
    rules = ConsortiumRules.current()
    data = request.POST if request.method == "POST" else None
    rules_form = ConsortiumRulesForm(data, instance=rules, prefix="rules")
    criteria_formset = CriterionFormSet(data, queryset=Criterion.objects.all(), prefix="criteria")
    if request.method == "POST" and rules_form.is_valid() and criteria_formset.is_valid():
        changes = [
            (form.instance if form.instance.pk else None, form.cleaned_data)
            for form in criteria_formset.forms
            if form.has_changed() and form.cleaned_data
        ]
        try:
            with transaction.atomic():
                services.consortium_rules_update(actor=request.user, **rules_form.cleaned_data)
                services.criteria_save(
                    actor=request.user,
                    changes=[
                        (criterion, {k: v for k, v in fields.items() if k != "id"})
                        for criterion, fields in changes
                    ],
                )
        except ValidationError as error:
            rules_form.add_error(None, error)
        else:
            messages.success(request, _("The rules and criteria are saved."))
            return redirect("projects:alliance_rules")
    context = {"rules_form": rules_form, "criteria_formset": criteria_formset}
    return render(request, "projects/alliance_rules.html", context)


# Drive ----------------------------------------------------------------------------------


@login_required
@require_POST
def milestone_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not request.user.has_perm("projects.manage_milestones", proposal):
        raise Http404
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_create(proposal=proposal, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Milestone added."))
    else:
        messages.error(
            request,
            _("The milestone was not added: %(errors)s")
            % {"errors": " ".join(e for errors in form.errors.values() for e in errors)},
        )
    return redirect(proposal.get_absolute_url() + "#milestones")


@login_required
@require_POST
def milestone_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("proposal"), pk=pk)
    proposal = selectors.proposal_get(user=request.user, slug=milestone.proposal.slug)
    if not request.user.has_perm("projects.manage_milestones", proposal):
        raise Http404
    form = MilestoneStatusForm(request.POST)
    if form.is_valid():
        services.milestone_set_status(
            milestone=milestone, actor=request.user, status=form.cleaned_data["status"]
        )
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect(proposal.get_absolute_url() + "#milestones")


@login_required
@require_POST
def progress_update_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not request.user.has_perm("projects.post_update", proposal):
        raise Http404
    form = ProgressUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.progress_update_post(
                proposal=proposal, actor=request.user, body=form.cleaned_data["body"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Update posted."))
    else:
        messages.error(request, _("An update needs some text."))
    return redirect(proposal.get_absolute_url() + "#updates")
