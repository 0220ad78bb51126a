"""Proposal pages: permission → form → service → response; hidden proposals answer 404."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from alliance.exceptions import DomainError
from members.enums import MembershipStatus
from members.models import Institution, User
from members.selectors import competence_vocabulary
from projects import selectors, services
from projects.enums import AssignmentStatus, MilestoneStatus, Stage, Visibility
from projects.forms import (
    ConsortiumRulesForm,
    CriterionFormSet,
    DecisionForm,
    InviteForm,
    JoinRequestForm,
    MilestoneForm,
    MilestoneStatusForm,
    ParticipationActionForm,
    PartnerFilterForm,
    ProgressUpdateForm,
    ProposalForm,
    ReviewerSearchForm,
    ReviewForm,
    ReviewQueueFilterForm,
    RevisionCompareForm,
    TransitionForm,
    lead_institutions_for,
)
from projects.models import (
    ConsortiumRules,
    Criterion,
    Milestone,
    Participation,
    Proposal,
    ReviewAssignment,
)
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
    context = {
        "page_obj": page_obj,
        "stage": stage,
        "stages": Stage,
        "can_create": rules.has_perm("projects.create_proposal", request.user),
    }
    return render(request, _partial(request, "projects/proposal_list.html", "results"), context)


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
    consortium = selectors.proposal_consortium(proposal=proposal)
    required = selectors.proposal_required_competences(proposal=proposal)
    affiliations = selectors.affiliations_of(user)
    join_form = None
    if (
        proposal.stage in services.JOINING_STAGES
        and proposal.visibility == Visibility.OPEN_CALL
        and user.is_authenticated
        and proposal.lead_id != user.pk
    ):
        institutions = selectors.join_request_institutions(
            proposal=proposal, participations=consortium, affiliations=affiliations
        )
        if affiliations.member_of and institutions.exists():
            join_form = JoinRequestForm(institutions=institutions)
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
            proposal=proposal, participations=consortium, user=user, affiliations=affiliations
        ),
        "join_form": join_form,
        "required": required,
        "coverage": selectors.coverage_matrix(required=required, participations=consortium)
        if required
        else [],
        "rules": rule_results,
        "timeline": selectors.proposal_timeline(proposal=proposal),
        "revisions": revisions,
        "reviews": reviews,
        "own_assignment": reviews.own_assignment,
        "diff_since_review": diff_since_review,
        "can_edit": rules.has_perm("projects.edit_proposal", user, proposal),
        "can_decide": proposal.stage == Stage.REVIEW
        and rules.has_perm("projects.decide_proposal", user),
        "can_assign": proposal.stage == Stage.REVIEW
        and rules.has_perm("projects.assign_reviewers", user),
        "aggregate": services.review_aggregate(reviews=reviews.reviews)
        if reviews.show_names and reviews.reviews
        else None,
        "decisions": list(proposal.decisions.all())
        if user.is_authenticated and (user.pk == proposal.lead_id or user.is_coordinator)
        else [],
    }
    if in_drive:
        context |= {
            "can_drive": proposal.stage == Stage.DRIVE
            and selectors.is_consortium_member(
                proposal=proposal, participations=consortium, user=user, affiliations=affiliations
            ),
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
    if not rules.has_perm("projects.create_proposal", request.user):
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
    if not rules.has_perm("projects.edit_proposal", request.user, proposal):
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
    if proposal.stage != Stage.REVIEW or not rules.has_perm(
        "projects.assign_reviewers", request.user
    ):
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
        "aggregate": services.review_aggregate(reviews=reviews.reviews),
    }
    return render(request, "projects/decision_form.html", context)


@login_required
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    if not rules.has_perm("projects.view_review_queue", request.user):
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
    if not rules.has_perm("projects.view_review_queue", request.user):
        raise Http404
    columns = selectors.pipeline(user=request.user)
    stages = [(stage, columns[stage.value]) for stage in Stage if stage != Stage.DRAFT]
    return render(request, "projects/pipeline.html", {"stages": stages})


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


# Joining --------------------------------------------------------------------------------


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_POST
def participation_invite(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if proposal.lead_id != request.user.pk:
        raise Http404
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an alliance member institution to invite."))
    else:
        try:
            participation = services.participation_invite(
                proposal=proposal, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            invitee = participation.person or participation.institution
            messages.success(request, _("%(invitee)s is invited.") % {"invitee": invitee})
    return redirect(_back(request, proposal.get_absolute_url() + "#consortium"))


@login_required
@require_POST
def participation_request(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    participations = selectors.proposal_consortium(proposal=proposal)
    form = JoinRequestForm(
        request.POST,
        institutions=selectors.join_request_institutions(
            proposal=proposal,
            participations=participations,
            affiliations=selectors.affiliations_of(request.user),
        ),
    )
    if not form.is_valid():
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, _("Your request was not sent: %(errors)s") % {"errors": errors})
    else:
        try:
            services.participation_request(
                proposal=proposal, actor=request.user, **form.cleaned_data
            )
        except TransitionRefused:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your request is with the lead."))
    return redirect(proposal.get_absolute_url() + "#consortium")


PARTICIPATION_ACTIONS = {
    "accept": (services.participation_accept, gettext_lazy("Accepted.")),
    "decline": (services.participation_decline, gettext_lazy("Declined.")),
    "confirm": (
        services.participation_confirm,
        gettext_lazy("Confirmed: your institution's commitment now counts."),
    ),
    "withdraw": (services.participation_withdraw, gettext_lazy("Withdrawn.")),
}


@login_required
@require_POST
def participation_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PARTICIPATION_ACTIONS:
        raise Http404
    participation = get_object_or_404(
        Participation.objects.filter(proposal__in=Proposal.objects.visible_to(request.user)),
        pk=pk,
    )
    service, done = PARTICIPATION_ACTIONS[action]
    form = ParticipationActionForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    kwargs = {"reason": comment} if action == "withdraw" else {}
    if action == "decline":
        kwargs = {"comment": comment}
    try:
        service(participation=participation, actor=request.user, **kwargs)
    except TransitionRefused:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_back(request, participation.proposal.get_absolute_url() + "#consortium"))


@login_required
@require_GET
def partnering_inbox(request: HttpRequest) -> HttpResponse:
    inbox = selectors.partnering_inbox(user=request.user)
    return render(request, "projects/partnering_inbox.html", {"inbox": inbox})


@login_required
@require_GET
def signoffs(request: HttpRequest) -> HttpResponse:
    """The representative's page: commitments awaiting their institution's sign-off."""
    pending = selectors.signoffs_for(user=request.user)
    return render(request, "projects/signoffs.html", {"pending": pending})


# Drive ----------------------------------------------------------------------------------


@login_required
@require_POST
def milestone_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not rules.has_perm("projects.manage_milestones", request.user, proposal):
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
    if not rules.has_perm("projects.manage_milestones", request.user, proposal):
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
    if not rules.has_perm("projects.post_update", request.user, proposal):
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


# Matching -------------------------------------------------------------------------------


@login_required
@require_GET
def find_partners(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Ranked, explained partner suggestions for the lead, with "why not" for any institution."""
    from projects import matching

    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not (proposal.lead_id == request.user.pk or request.user.is_coordinator):
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
        "can_invite": proposal.lead_id == request.user.pk
        and proposal.stage in services.JOINING_STAGES,
        "invite_form": InviteForm(),
    }
    return render(request, _partial(request, "projects/find_partners.html", "results"), context)


@login_required
@require_GET
def consortium_builder(request: HttpRequest, slug: str) -> HttpResponse:
    """Whole consortia that satisfy the rules, best first; or the rule that blocks them."""
    from projects import matching

    proposal = selectors.proposal_get(user=request.user, slug=slug)
    if not (proposal.lead_id == request.user.pk or request.user.is_coordinator):
        raise Http404
    result = matching.build_consortia(proposal=proposal)
    context = {
        "proposal": proposal,
        "result": result,
        "rules": ConsortiumRules.current(),
        "can_invite": proposal.lead_id == request.user.pk
        and proposal.stage in services.JOINING_STAGES,
    }
    return render(request, "projects/consortium_builder.html", context)


@login_required
@require_GET
def proposals_for_me(request: HtmxHttpRequest) -> HttpResponse:
    """Reverse matching: open calls in Define that need the user's, or their institution's, expertise."""
    from projects import matching

    affiliations = selectors.affiliations_of(request.user)
    if not affiliations.member_of:
        for_me, for_institutions = [], []
    else:
        index = matching.get_index()
        for_me = matching.proposals_needing(person=request.user, index=index, limit=8)
        for_institutions = [
            (institution, matching.proposals_needing(institution=institution, index=index, limit=5))
            for institution in Institution.objects.filter(pk__in=affiliations.represents)
        ]
    context = {"for_me": for_me, "for_institutions": for_institutions}
    return render(request, _partial(request, "projects/proposals_for_me.html", "matches"), context)
