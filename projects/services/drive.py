"""The Drive stage: milestones and progress updates by the consortium."""

import rules
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import DomainError, NotPermitted
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
    *, proposal: Proposal, actor: User, title: str, due_date, description: str = ""
) -> Milestone:
    _require_drive_member(proposal=proposal, actor=actor, perm="projects.manage_milestones")
    milestone = Milestone(
        proposal=proposal,
        title=title.strip(),
        due_date=due_date,
        description=description.strip(),
        created_by=actor,
    )
    milestone.full_clean()
    milestone.save()
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
    milestone.save(update_fields=["status"])
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
def progress_update_post(*, proposal: Proposal, actor: User, body: str) -> ProgressUpdate:
    _require_drive_member(proposal=proposal, actor=actor, perm="projects.post_update")
    if not body.strip():
        raise DomainError(_("An update needs some text."))
    update = ProgressUpdate.objects.create(proposal=proposal, author=actor, body=body.strip())
    event_record(
        kind=EventKind.PROGRESS_UPDATE, actor=actor, proposal=proposal, update_id=update.pk
    )
    return update
