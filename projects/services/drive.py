"""The Drive stage: milestones and progress updates by the consortium."""

from uuid import UUID

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
from core.idempotency import save_once
from members.models import (
    User,
)
from projects.enums import (
    EventKind,
    MilestoneStatus,
    Stage,
)
from projects.models import (
    Milestone,
    ProgressUpdate,
    Proposal,
)
from projects.services.outbox import event_record

# Drive ----------------------------------------------------------------------------------


def _require_drive_member(*, proposal: Proposal, actor: User, perm: str) -> None:
    if proposal.stage != Stage.DRIVE:
        raise DomainError(_("Milestones and updates belong to the Drive stage."))
    if not rules.has_perm(perm, actor, proposal):
        raise NotPermitted(_("Only consortium members plan and report."))


@transaction.atomic
def milestone_create(
    *,
    proposal: Proposal,
    actor: User,
    title: str,
    due_date,
    description: str = "",
    request_token: UUID | None = None,
) -> Milestone:
    """Add a milestone; the same ``request_token`` again answers the milestone it made."""
    _require_drive_member(proposal=proposal, actor=actor, perm="projects.manage_milestones")
    earlier = (
        Milestone.objects.filter(created_by=actor, request_token=request_token)
        if request_token
        else Milestone.objects.none()
    )
    milestone = Milestone(
        proposal=proposal,
        title=title.strip(),
        due_date=due_date,
        description=description.strip(),
        created_by=actor,
        request_token=request_token,
    )
    # The token's constraint is the database's to enforce: save_once handles its race.
    milestone.full_clean(validate_constraints=False)
    milestone, created = save_once(milestone, earlier=earlier)
    if not created:
        return milestone
    event_record(
        kind=EventKind.MILESTONE,
        actor=actor,
        proposal=proposal,
        milestone_id=milestone.pk,
        change="added",
        status=str(milestone.status),
    )
    return milestone


@transaction.atomic
def milestone_set_status(
    *, milestone: Milestone, actor: User, status: MilestoneStatus
) -> Milestone:
    _require_drive_member(
        proposal=milestone.proposal, actor=actor, perm="projects.manage_milestones"
    )
    source = milestone.status
    if source == status:
        return milestone
    milestone.status = status
    milestone.done_at = timezone.now() if status == MilestoneStatus.DONE else None
    milestone.save(update_fields=["status", "done_at"])
    event_record(
        kind=EventKind.MILESTONE,
        actor=actor,
        proposal=milestone.proposal,
        milestone_id=milestone.pk,
        change="status",
        from_status=str(source),
        status=str(status),
    )
    return milestone


@transaction.atomic
def progress_update_post(
    *, proposal: Proposal, actor: User, body: str, request_token: UUID | None = None
) -> ProgressUpdate:
    """Post an update; the same ``request_token`` again answers the update it made."""
    _require_drive_member(proposal=proposal, actor=actor, perm="projects.post_update")
    if not body.strip():
        raise DomainError(_("An update needs some text."))
    earlier = (
        ProgressUpdate.objects.filter(author=actor, request_token=request_token)
        if request_token
        else ProgressUpdate.objects.none()
    )
    update, created = save_once(
        ProgressUpdate(
            proposal=proposal, author=actor, body=body.strip(), request_token=request_token
        ),
        earlier=earlier,
    )
    if not created:
        return update
    event_record(
        kind=EventKind.PROGRESS_UPDATE, actor=actor, proposal=proposal, update_id=update.pk
    )
    return update
