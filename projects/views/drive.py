"""Drive pages: milestones and progress updates."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.forms import error_summary
from projects import selectors, services
from projects.forms import (
    MilestoneForm,
    MilestoneStatusForm,
    ProgressUpdateForm,
)
from projects.models import (
    Milestone,
)

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
            request, _("The milestone was not added. %(errors)s") % {"errors": error_summary(form)}
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
                proposal=proposal, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Update posted."))
    else:
        messages.error(
            request, _("The update was not posted. %(errors)s") % {"errors": error_summary(form)}
        )
    return redirect(proposal.get_absolute_url() + "#updates")
