"""What a person can be told of, in which role, how often; groupings live here alone."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What a person chooses an email frequency for (the preferences page's rows)."""

    MY_PROPOSALS = "my_proposals", _("My proposals")
    PARTNERING = "partnering", _("Partnering")
    REVIEWING = "reviewing", _("Reviewing")
    COORDINATION = "coordination", _("Coordination")
    REMINDERS = "reminders", _("Reminders")


class Frequency(models.TextChoices):
    INSTANT = "instant", _("At once")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


class RecipientRole(models.TextChoices):
    """Why someone hears of an event (the coordinators' matrix columns)."""

    LEAD = "lead", _("Lead")
    PARTNER = "partner", _("Consortium member")
    INVITEE = "invitee", _("Invitee or requester")
    REPRESENTATIVE = "representative", _("Partner representative")
    REVIEWER = "reviewer", _("Assigned reviewer")
    COORDINATOR = "coordinator", _("Coordinator")
    PERSON = "person", _("Person affiliated")


class NotificationKind(models.TextChoices):
    """What a notification says happened (the coordinators' matrix rows)."""

    AFFILIATION_REQUESTED = "affiliation_requested", _("Affiliation requested")
    AFFILIATION_APPROVED = "affiliation_approved", _("Affiliation approved")
    AFFILIATION_DECLINED = "affiliation_declined", _("Affiliation declined")
    PROPOSAL_OPENED = "proposal_opened", _("Proposal opened for partners")
    PROPOSAL_SUBMITTED = "proposal_submitted", _("Proposal submitted for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PROPOSAL_APPROVED = "proposal_approved", _("Proposal approved")
    PROPOSAL_DECLINED = "proposal_declined", _("Proposal declined")
    PROPOSAL_WITHDRAWN = "proposal_withdrawn", _("Proposal withdrawn")
    PROPOSAL_KICKED_OFF = "proposal_kicked_off", _("Project kicked off")
    PROPOSAL_PAUSED = "proposal_paused", _("Project paused")
    PROPOSAL_RESUMED = "proposal_resumed", _("Project resumed")
    PROPOSAL_COMPLETED = "proposal_completed", _("Project completed")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
    JOIN_REQUESTED = "join_requested", _("Join request made")
    JOIN_ACCEPTED = "join_accepted", _("Join request accepted")
    JOIN_DECLINED = "join_declined", _("Join request declined")
    SIGNOFF_AWAITED = "signoff_awaited", _("Commitment awaiting sign-off")
    COMMITMENT_CONFIRMED = "commitment_confirmed", _("Commitment confirmed")
    PARTNER_WITHDRAWN = "partner_withdrawn", _("Partner withdrawn")
    REVIEWER_ASSIGNED = "reviewer_assigned", _("Reviewer assigned")
    REVIEWER_WITHDRAWN = "reviewer_withdrawn", _("Reviewer withdrawn")
    REVIEW_SUBMITTED = "review_submitted", _("Review submitted")
    DECISION_RECORDED = "decision_recorded", _("Decision recorded")
    MILESTONE_ADDED = "milestone_added", _("Milestone added")
    MILESTONE_REACHED = "milestone_reached", _("Milestone reached")
    PROGRESS_POSTED = "progress_posted", _("Progress update posted")
    REMINDER_REVIEW_DUE = "reminder_review_due", _("Reminder: review overdue")
    REMINDER_INVITATION = "reminder_invitation", _("Reminder: invitation unanswered")
    REMINDER_JOIN_REQUEST = "reminder_join_request", _("Reminder: join request unanswered")
    REMINDER_SIGNOFF = "reminder_signoff", _("Reminder: sign-off waiting")
    REMINDER_IDLE_DEFINE = "reminder_idle_define", _("Reminder: proposal idle in Define")


# The kind of outbox event the reminder tasks record (subject: the proposal); its payload names
# the reminder and its people:
# {"notification_kind": one of the REMINDER_* kinds, "recipient_ids": [...], "threshold": "..."}.
REMINDER_EVENT = "reminder"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not needed")  # read in-app first, or the category was switched off


K = NotificationKind

# The preferences category of each kind. Reminders have their own, whatever they are about.
CATEGORY_OF: dict[str, Category] = {
    K.AFFILIATION_REQUESTED: Category.COORDINATION,
    K.AFFILIATION_APPROVED: Category.PARTNERING,
    K.AFFILIATION_DECLINED: Category.PARTNERING,
    K.PROPOSAL_OPENED: Category.MY_PROPOSALS,
    K.PROPOSAL_SUBMITTED: Category.MY_PROPOSALS,
    K.CHANGES_REQUESTED: Category.MY_PROPOSALS,
    K.PROPOSAL_APPROVED: Category.MY_PROPOSALS,
    K.PROPOSAL_DECLINED: Category.MY_PROPOSALS,
    K.PROPOSAL_WITHDRAWN: Category.MY_PROPOSALS,
    K.PROPOSAL_KICKED_OFF: Category.MY_PROPOSALS,
    K.PROPOSAL_PAUSED: Category.MY_PROPOSALS,
    K.PROPOSAL_RESUMED: Category.MY_PROPOSALS,
    K.PROPOSAL_COMPLETED: Category.MY_PROPOSALS,
    K.INVITATION_SENT: Category.PARTNERING,
    K.INVITATION_ACCEPTED: Category.PARTNERING,
    K.INVITATION_DECLINED: Category.PARTNERING,
    K.JOIN_REQUESTED: Category.PARTNERING,
    K.JOIN_ACCEPTED: Category.PARTNERING,
    K.JOIN_DECLINED: Category.PARTNERING,
    K.SIGNOFF_AWAITED: Category.PARTNERING,
    K.COMMITMENT_CONFIRMED: Category.PARTNERING,
    K.PARTNER_WITHDRAWN: Category.PARTNERING,
    K.REVIEWER_ASSIGNED: Category.REVIEWING,
    K.REVIEWER_WITHDRAWN: Category.REVIEWING,
    K.REVIEW_SUBMITTED: Category.COORDINATION,
    K.DECISION_RECORDED: Category.COORDINATION,
    K.MILESTONE_ADDED: Category.MY_PROPOSALS,
    K.MILESTONE_REACHED: Category.MY_PROPOSALS,
    K.PROGRESS_POSTED: Category.MY_PROPOSALS,
    K.REMINDER_REVIEW_DUE: Category.REMINDERS,
    K.REMINDER_INVITATION: Category.REMINDERS,
    K.REMINDER_JOIN_REQUEST: Category.REMINDERS,
    K.REMINDER_SIGNOFF: Category.REMINDERS,
    K.REMINDER_IDLE_DEFINE: Category.REMINDERS,
}
assert set(CATEGORY_OF) == set(NotificationKind)

# Email frequency when a person has chosen none: what needs their action arrives at once.
DEFAULT_FREQUENCY: dict[str, Frequency] = {
    Category.MY_PROPOSALS: Frequency.INSTANT,
    Category.PARTNERING: Frequency.INSTANT,
    Category.REVIEWING: Frequency.INSTANT,
    Category.COORDINATION: Frequency.INSTANT,
    Category.REMINDERS: Frequency.INSTANT,
}


class OpenActionKind(models.TextChoices):
    """What waits for a person to act (the dashboard's "Waiting for you" panel)."""

    INVITATION = "invitation", _("Invitation to answer")
    JOIN_REQUEST = "join_request", _("Join request to decide")
    SIGNOFF = "signoff", _("Commitment to sign off")
    AFFILIATION = "affiliation", _("Affiliation to approve")
    REVIEW = "review", _("Review to write")
    REVIEWERS = "reviewers", _("Reviewers to assign")
    DECISION = "decision", _("Decision to take")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
