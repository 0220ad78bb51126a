from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DEFINE = "define", _("Define")
    REVIEW = "review", _("Review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    DRIVE = "drive", _("Drive")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Stage groupings live here and only here; templates ask the model's properties.

# The proposal is being defined: the consortium check is shown.
DEFINE_STAGES = frozenset({Stage.DRAFT, Stage.DEFINE, Stage.CHANGES_REQUESTED})
# The lead may still change the text (a revision is kept at every save): while it is defined.
EDITABLE_STAGES = DEFINE_STAGES
# Partners join while the consortium is being defined (again after changes are requested).
JOINING_STAGES = frozenset({Stage.DEFINE, Stage.CHANGES_REQUESTED})
# No decision stands, so the lead does not read the reviews (again so after a resubmission).
UNDECIDED_STAGES = frozenset({Stage.DRAFT, Stage.DEFINE, Stage.REVIEW})
# A decision moves a proposal from Review to one of these; that move's comment is its reason.
DECISION_STAGES = frozenset({Stage.APPROVED, Stage.CHANGES_REQUESTED, Stage.DECLINED})
# Kicked off: the proposal has a Drive record (milestones, updates), kept once completed.
DRIVE_STAGES = frozenset({Stage.DRIVE, Stage.PAUSED, Stage.COMPLETED})
# The work is over or never happened: the consortium stays on record as it is.
TERMINAL_STAGES = frozenset({Stage.COMPLETED, Stage.DECLINED, Stage.WITHDRAWN})
# Approved and later: the whole alliance and the public see the proposal.
PUBLIC_STAGES = frozenset({Stage.APPROVED, Stage.DRIVE, Stage.PAUSED, Stage.COMPLETED})
# What every signed-in member may see: the public projects and the open calls (in Define).
MEMBER_STAGES = PUBLIC_STAGES | {Stage.DEFINE}
# Stages in which the proposal occupies its partners' capacity.
ACTIVE_STAGES = frozenset(
    {Stage.DEFINE, Stage.REVIEW, Stage.CHANGES_REQUESTED, Stage.APPROVED, Stage.DRIVE, Stage.PAUSED}
)


def is_decision_step(*, from_stage: str, to_stage: str) -> bool:
    """Whether a stage change is a decision's (its comment then is the decision's reason)."""
    return from_stage == Stage.REVIEW and to_stage in DECISION_STAGES


class Visibility(models.TextChoices):
    OPEN_CALL = "open_call", _("Open call")
    CONFIDENTIAL = "confidential", _("Confidential")


class ParticipationRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    PARTNER = "partner", _("Partner")


class ParticipationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REQUESTED = "requested", _("Requested to join")
    ACCEPTED = "accepted", _("Accepted")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Invitations and requests not yet answered.
UNANSWERED_PARTICIPATION = frozenset({ParticipationStatus.INVITED, ParticipationStatus.REQUESTED})
# Still in play: at most one per institution and proposal.
OPEN_PARTICIPATION = UNANSWERED_PARTICIPATION | {
    ParticipationStatus.ACCEPTED,
    ParticipationStatus.CONFIRMED,
}
# The consortium proper: partners that have joined (the lead included).
CONSORTIUM_STATUSES = (ParticipationStatus.ACCEPTED, ParticipationStatus.CONFIRMED)


class Importance(models.IntegerChoices):
    USEFUL = 1, _("Useful")
    IMPORTANT = 2, _("Important")
    ESSENTIAL = 3, _("Essential")


class Recommendation(models.TextChoices):
    APPROVE = "approve", pgettext_lazy("proposal decision", "Approve")
    REVISE = "revise", _("Revise")
    DECLINE = "decline", _("Decline")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Licence(models.TextChoices):
    """OSI-approved licences, by SPDX identifier."""

    APACHE_2 = "Apache-2.0", "Apache License 2.0"
    MIT = "MIT", "MIT License"
    BSD_3 = "BSD-3-Clause", "BSD 3-Clause License"
    BSD_2 = "BSD-2-Clause", "BSD 2-Clause License"
    MPL_2 = "MPL-2.0", "Mozilla Public License 2.0"
    EPL_2 = "EPL-2.0", "Eclipse Public License 2.0"
    LGPL_3 = "LGPL-3.0-only", "GNU Lesser General Public License v3.0 only"
    GPL_3 = "GPL-3.0-only", "GNU General Public License v3.0 only"
    AGPL_3 = "AGPL-3.0-only", "GNU Affero General Public License v3.0 only"
    ECL_2 = "ECL-2.0", "Educational Community License v2.0"
    UPL = "UPL-1.0", "Universal Permissive License v1.0"


class EventKind(models.TextChoices):
    """Domain events recorded in the outbox for notifications."""

    STAGE_CHANGED = "stage_changed", _("Stage changed")
    INVITATION = "invitation", _("Invitation")
    JOIN_REQUEST = "join_request", _("Join request")
    PARTICIPATION_CHANGED = "participation_changed", _("Participation changed")
    CONFIRMATION = "confirmation", _("Commitment confirmed")
    REVIEW_ASSIGNED = "review_assigned", _("Review assigned")
    REVIEW_WITHDRAWN = "review_withdrawn", _("Review assignment withdrawn")
    REVIEW_SUBMITTED = "review_submitted", _("Review submitted")
    DECISION = "decision", _("Decision")
    MILESTONE = "milestone", _("Milestone")
    PROGRESS_UPDATE = "progress_update", _("Progress update")
