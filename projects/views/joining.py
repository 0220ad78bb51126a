"""Joining pages: invitations, join requests, answers, the inbox and the sign-off page."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import DomainError, NotPermitted
from core.forms import error_summary
from core.http import safe_next_url
from core.pagecache import member_page
from projects import selectors, services
from projects.forms import (
    InviteForm,
    JoinRequestForm,
    ParticipationActionForm,
    WithdrawForm,
)
from projects.models import (
    Participation,
    Proposal,
)
from projects.rules import is_lead

# Joining --------------------------------------------------------------------------------


@login_required
@require_POST
def participation_invite(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    # Only the lead may invite; past the joining stages the lead is told so by the service.
    if not is_lead.test(request.user, proposal):
        raise Http404
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_summary(form))
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
    return redirect(safe_next_url(request, proposal.get_absolute_url() + "#consortium"))


@login_required
@require_POST
def participation_request(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, slug=slug)
    form = JoinRequestForm(
        request.POST,
        institutions=selectors.join_request_institutions(proposal=proposal, user=request.user),
    )
    if not form.is_valid():
        messages.error(
            request, _("Your request was not sent. %(errors)s") % {"errors": error_summary(form)}
        )
    else:
        try:
            services.participation_request(
                proposal=proposal, actor=request.user, **form.cleaned_data
            )
        except NotPermitted:
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
    if not form.is_valid():
        # A reason that cannot be kept must not be dropped silently while the action goes on.
        messages.error(request, error_summary(form))
        return redirect(
            safe_next_url(request, participation.proposal.get_absolute_url() + "#consortium")
        )
    comment = form.cleaned_data["comment"]
    # Accepting and confirming say all there is to say; the others carry the actor's comment.
    kwargs = {"comment": comment} if action in ("decline", "withdraw") else {}
    if action == "withdraw":
        kwargs["confirmed"] = form.cleaned_data.get("confirm", False)
    try:
        service(participation=participation, actor=request.user, **kwargs)
    except NotPermitted:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(
        safe_next_url(request, participation.proposal.get_absolute_url() + "#consortium")
    )


@login_required
@require_http_methods(["GET", "POST"])
def participation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a confirmed partner: what it means, the reason, and an explicit yes."""
    participation = get_object_or_404(
        Participation.objects.filter(
            proposal__in=Proposal.objects.visible_to(request.user)
        ).select_related("proposal", "institution", "person"),
        pk=pk,
    )
    if not rules.has_perm("projects.withdraw_participation", request.user, participation):
        raise Http404
    proposal = participation.proposal
    back = safe_next_url(request, proposal.get_absolute_url() + "#consortium")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participation_withdraw(
                participation=participation,
                actor=request.user,
                comment=form.cleaned_data["comment"],
                confirmed=form.cleaned_data["confirm"],
            )
        except NotPermitted:
            raise Http404 from None
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(institution)s is withdrawn from the consortium; the reason is on record.")
                % {"institution": participation.institution},
            )
            return redirect(back)
    context = {
        "participation": participation,
        "proposal": proposal,
        "form": form,
        "back": back,
    }
    return render(request, "projects/participation_withdraw.html", context)


@member_page
@login_required
@require_GET
def partnering_inbox(request: HttpRequest) -> HttpResponse:
    inbox = selectors.partnering_inbox(user=request.user)
    context = {
        "inbox": inbox,
        "participation_actions": selectors.participation_actions(
            participations=[*inbox.invitations, *inbox.requests, *inbox.sent], user=request.user
        ),
    }
    return render(request, "projects/partnering_inbox.html", context)


@member_page
@login_required
@require_GET
def signoffs(request: HttpRequest) -> HttpResponse:
    """The representative's page: commitments awaiting their institution's sign-off."""
    pending = selectors.signoffs_for(user=request.user)
    context = {
        "pending": pending,
        "participation_actions": selectors.participation_actions(
            participations=pending, user=request.user
        ),
    }
    return render(request, "projects/signoffs.html", context)
