from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import mean
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from members.enums import MembershipStatus
from members.models import Competence, FocusArea, Institution, Membership
from projects.enums import (
    CONSORTIUM_STATUSES,
    DRIVE_STAGES,
    OPEN_PARTICIPATION,
    PUBLIC_STAGES,
    AssignmentStatus,
    Importance,
    Licence,
    MilestoneStatus,
    ParticipationRole,
    ParticipationStatus,
    Recommendation,
    Stage,
    Visibility,
    is_decision_step,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from members.models import User


# What a confirmed partner is, the one definition that lists, the consortium rules and the
# proposal page count by (DESIGN: a partner counts once its institution's representative
# has confirmed). The lead institution is the consortium's own, never one of its partners,
# even if it appears again as a partner. Spelt three ways for where it is asked: from a
# proposal (``ProposalQuerySet.with_partner_count``), over participations
# (``ParticipationQuerySet.confirmed_partners``) and on a loaded row
# (``Participation.is_confirmed_partner``).


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def in_stage(self, *stages: str) -> ProposalQuerySet:
        return self.filter(stage__in=stages)

    def with_partner_count(self) -> ProposalQuerySet:
        """Annotate ``partner_count``: the confirmed partner institutions, the lead's aside.

        A correlated subquery, not a joined ``Count``: under ORDER BY … LIMIT it runs for
        the rows of the page alone, and the paginator's count leaves it out.
        """
        partners = (
            Participation.objects.confirmed_partners()
            .filter(proposal=OuterRef("pk"))
            .order_by()
            .values("proposal")
            .annotate(n=Count("institution", distinct=True))
            .values("n")
        )
        return self.annotate(
            partner_count=Coalesce(Subquery(partners, output_field=IntegerField()), 0)
        )

    def visible_to(self, user: User | AnonymousUser) -> ProposalQuerySet:
        """Everything a user may see; a proposal outside this set answers 404."""
        public = Q(stage__in=PUBLIC_STAGES)
        if not user.is_authenticated:
            return self.filter(public)
        if user.is_coordinator:
            return self.exclude(Q(stage=Stage.DRAFT) & ~Q(lead=user))
        my_institutions = Membership.objects.filter(
            person=user, status=MembershipStatus.ACTIVE
        ).values("institution")
        # One set of ids, each part read through its own index: an OR of EXISTS over the
        # whole table made the planner scan every participation and proposal.
        involved = (
            Participation.objects.filter(person=user, status__in=OPEN_PARTICIPATION)
            .values("proposal_id")
            .union(
                Participation.objects.filter(
                    institution__in=my_institutions, status__in=CONSORTIUM_STATUSES
                ).values("proposal_id"),
                Participation.objects.filter(
                    status__in=OPEN_PARTICIPATION,
                    institution__in=Membership.objects.representatives()
                    .filter(person=user)
                    .values("institution"),
                ).values("proposal_id"),
                ReviewAssignment.objects.filter(reviewer=user)
                .exclude(status=AssignmentStatus.WITHDRAWN)
                .values("proposal_id"),
                all=True,
            )
        )
        open_call = Q(stage=Stage.DEFINE, visibility=Visibility.OPEN_CALL) & Exists(my_institutions)
        beyond_draft = ~Q(stage=Stage.DRAFT)
        return self.filter(
            public | Q(lead=user) | (beyond_draft & (open_call | Q(pk__in=involved)))
        )


# The proposal's prose that partner matching and competence suggestions read.
PROPOSAL_TEXT_FIELDS = ("title", "summary", "description", "goals", "expected_outcomes")


class Proposal(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    summary = models.TextField(_("summary"), max_length=1000)
    description = models.TextField(_("description"), help_text=_("Markdown."))
    focus_area = models.ForeignKey(
        FocusArea, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("focus area")
    )
    goals = models.TextField(_("goals"), blank=True)
    expected_outcomes = models.TextField(_("expected outcomes"), blank=True)
    resources_offered = models.TextField(_("resources offered"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence, default=Licence.APACHE_2
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility, default=Visibility.OPEN_CALL
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead researcher"),
    )
    lead_institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="led_proposals",
        verbose_name=_("lead institution"),
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage, default=Stage.DRAFT)
    stage_changed_at = models.DateTimeField(_("in this stage since"), auto_now_add=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The token of the form that made it: the same form posted again finds this row.
    request_token = models.UUIDField(null=True, blank=True, editable=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["stage", "visibility"]),
            models.Index(fields=["stage", "stage_changed_at"]),
            # The lists' orders: read in index order, a page stops after its rows instead of
            # joining and sorting every visible proposal.
            models.Index(fields=["stage_changed_at"], name="proposal_stage_changed_idx"),
            models.Index(fields=["updated_at"], name="proposal_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "request_token"], name="one_proposal_per_request_token"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:proposal_detail", kwargs={"slug": self.slug})

    @property
    def is_confidential(self) -> bool:
        return self.visibility == Visibility.CONFIDENTIAL

    @property
    def is_in_review(self) -> bool:
        return self.stage == Stage.REVIEW

    @property
    def is_kicked_off(self) -> bool:
        """In Drive, paused or completed: the proposal has milestones and updates to show."""
        return self.stage in DRIVE_STAGES


class ProposalCompetence(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="required_competences"
    )
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="+")
    importance = models.PositiveSmallIntegerField(
        _("importance"), choices=Importance, default=Importance.IMPORTANT
    )

    class Meta:
        ordering = ["-importance", "competence__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "competence"], name="unique_proposal_competence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competence} ({self.get_importance_display()})"


class Revision(models.Model):
    """The proposal's text as saved at one moment while it was editable."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    description = models.TextField(_("description"))
    goals = models.TextField(_("goals"), blank=True)
    expected_outcomes = models.TextField(_("expected outcomes"), blank=True)
    resources_offered = models.TextField(_("resources offered"), blank=True)
    # Everything else the lead edits, as it stood (``snapshot_details``); empty in
    # revisions saved before it was recorded, which then compare by their text only.
    details = models.JSONField(_("details"), default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    TEXT_FIELDS = (
        "title",
        "summary",
        "description",
        "goals",
        "expected_outcomes",
        "resources_offered",
    )
    DETAIL_FIELDS = ("focus_area", "licence", "duration_months", "visibility", "competences")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="unique_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.proposal} r{self.number}"

    @staticmethod
    def snapshot_details(
        *, proposal: Proposal, competences: Mapping[Competence, int]
    ) -> dict[str, object]:
        """The proposal's other edited fields as a revision keeps them (JSON, names as then)."""
        return {
            "focus_area": proposal.focus_area.name,
            "licence": proposal.licence,
            "duration_months": proposal.duration_months,
            "visibility": proposal.visibility,
            # [slug, name, importance], by slug: the same competences compare equal.
            "competences": sorted(
                [competence.slug, competence.name, int(importance)]
                for competence, importance in competences.items()
            ),
        }

    def records(self, values: Mapping[str, object]) -> bool:
        """Whether this revision holds exactly these values (text fields and ``details``)."""
        return all(getattr(self, name) == value for name, value in values.items())


class ParticipationQuerySet(models.QuerySet["Participation"]):
    def open(self) -> ParticipationQuerySet:
        return self.filter(status__in=OPEN_PARTICIPATION)

    def consortium(self) -> ParticipationQuerySet:
        return self.filter(status__in=CONSORTIUM_STATUSES)

    def confirmed(self) -> ParticipationQuerySet:
        return self.filter(status=ParticipationStatus.CONFIRMED)

    def confirmed_partners(self) -> ParticipationQuerySet:
        """Partners whose institution has confirmed; the lead institution never counts."""
        return self.filter(
            role=ParticipationRole.PARTNER, status=ParticipationStatus.CONFIRMED
        ).exclude(institution=F("proposal__lead_institution"))


class Participation(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="participations")
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="participations"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    role = models.CharField(
        _("role"), max_length=8, choices=ParticipationRole, default=ParticipationRole.PARTNER
    )
    status = models.CharField(_("status"), max_length=10, choices=ParticipationStatus)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["role", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "institution"],
                condition=Q(
                    status__in=[
                        ParticipationStatus.INVITED,
                        ParticipationStatus.REQUESTED,
                        ParticipationStatus.ACCEPTED,
                        ParticipationStatus.CONFIRMED,
                    ]
                ),
                name="one_open_participation_per_institution",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} in {self.proposal} ({self.get_status_display()})"

    @property
    def is_lead(self) -> bool:
        return self.role == ParticipationRole.LEAD

    @property
    def is_confirmed(self) -> bool:
        return self.status == ParticipationStatus.CONFIRMED

    def is_confirmed_partner(self, proposal: Proposal) -> bool:
        """Counts toward ``proposal``'s consortium: a confirmed partner, not the lead institution."""
        return (
            self.role == ParticipationRole.PARTNER
            and self.status == ParticipationStatus.CONFIRMED
            and self.institution_id != proposal.lead_institution_id
        )

    @property
    def is_open(self) -> bool:
        """Still in play; declined and withdrawn ones stay on record only."""
        return self.status in OPEN_PARTICIPATION


class ParticipationTransition(models.Model):
    """Append-only audit of every step of joining: invited, accepted, confirmed, withdrawn…"""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=ParticipationStatus, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=ParticipationStatus)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.participation}: {self.from_status or '∅'} → {self.to_status}"


class StageTransition(models.Model):
    """Append-only audit of every stage change."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")

    def __str__(self) -> str:
        return f"{self.proposal}: {self.from_stage} → {self.to_stage}"

    @property
    def is_decision(self) -> bool:
        """The move a coordinator's decision made: its comment is the decision's reason."""
        return is_decision_step(from_stage=self.from_stage, to_stage=self.to_stage)


class ConsortiumRules(models.Model):
    """The alliance's consortium rules; one row, edited by coordinators."""

    min_partner_institutions = models.PositiveSmallIntegerField(
        _("minimum confirmed partner institutions"), default=1
    )
    max_partner_institutions = models.PositiveSmallIntegerField(
        _("maximum partner institutions"), default=8
    )
    min_countries = models.PositiveSmallIntegerField(_("minimum countries"), default=1)
    min_kinds = models.PositiveSmallIntegerField(_("minimum institution kinds"), default=1)
    company_required = models.BooleanField(_("a company is required"), default=False)
    require_competence_coverage = models.BooleanField(
        _("every required competence covered by the consortium"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consortium rules")
        verbose_name_plural = _("consortium rules")

    def __str__(self) -> str:
        return str(_("Consortium rules"))

    def clean(self) -> None:
        if self.min_partner_institutions > self.max_partner_institutions:
            raise ValidationError(
                {
                    "max_partner_institutions": _(
                        "The maximum cannot be below the minimum (%(min)s)."
                    )
                    % {"min": self.min_partner_institutions}
                }
            )

    @classmethod
    def current(cls) -> ConsortiumRules:
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def describe(self) -> list[str]:
        """The rules in words, one phrase each, in the number each count asks for."""
        low, high = self.min_partner_institutions, self.max_partner_institutions
        phrases = [
            ngettext(
                "Exactly %(n)s partner institution", "Exactly %(n)s partner institutions", high
            )
            % {"n": high}
            if low == high
            else ngettext(
                "%(min)s to %(max)s partner institution",
                "%(min)s to %(max)s partner institutions",
                high,
            )
            % {"min": low, "max": high},
            ngettext(
                "Institutions from at least %(n)s country",
                "Institutions from at least %(n)s countries",
                self.min_countries,
            )
            % {"n": self.min_countries},
            ngettext(
                "At least %(n)s kind of institution",
                "At least %(n)s kinds of institution",
                self.min_kinds,
            )
            % {"n": self.min_kinds},
        ]
        if self.company_required:
            phrases.append(gettext("A company among them"))
        if self.require_competence_coverage:
            phrases.append(gettext("Every required competence covered"))
        return phrases


class Criterion(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name


def review_due_at() -> datetime:
    """When a review assigned now is due: settings.REVIEW_DUE_DAYS from now."""
    return timezone.now() + timedelta(days=settings.REVIEW_DUE_DAYS)


class ReviewAssignment(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssignmentStatus, default=AssignmentStatus.ASSIGNED
    )
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    due_at = models.DateTimeField(_("due"), default=review_due_at)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "reviewer"], name="one_assignment_per_reviewer"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews {self.proposal}"

    @property
    def is_open(self) -> bool:
        """Assigned and not yet submitted."""
        return self.status == AssignmentStatus.ASSIGNED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at <= timezone.now()

    @property
    def is_submitted(self) -> bool:
        return self.status == AssignmentStatus.SUBMITTED


class Review(models.Model):
    assignment = models.OneToOneField(
        ReviewAssignment, on_delete=models.CASCADE, related_name="review"
    )
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation)
    comment = models.TextField(_("comment"))
    revision_number = models.PositiveIntegerField(_("revision reviewed"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    # The token of the form that submitted it: the same form posted again finds this row.
    request_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"Review of {self.assignment.proposal}"


def review_scores(reviews: Iterable[Review]) -> list[float]:
    """Each review's score (1–5), its criteria weighted; reviews without weight left out.

    Load the scores with their criterion. The one way the review summary
    (``services.review_aggregate``) and the CSV export score a review.
    """
    scored = ([(s.criterion.weight, s.value) for s in review.scores.all()] for review in reviews)
    return weighted_scores(scored)


def weighted_scores(reviews: Iterable[Iterable[tuple[float | Decimal, int]]]) -> list[float]:
    """Each review's score from its (criterion weight, value) pairs; weightless ones left out."""
    totals = []
    for review in reviews:
        scored = [(float(weight), value) for weight, value in review]
        weight = sum(w for w, _v in scored)
        if weight:
            totals.append(sum(w * v for w, v in scored) / weight)
    return totals


def mean_review_score(totals: list[float]) -> float | None:
    """The mean of the reviews' weighted scores (``review_scores``), to two places; None before any."""
    return round(mean(totals), 2) if totals else None


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="score_between_1_and_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class Decision(models.Model):
    class Outcome(models.TextChoices):
        # "Approve" a proposal is not "approve" an affiliation in every language.
        APPROVE = "approve", pgettext_lazy("proposal decision", "Approve")
        REQUEST_CHANGES = "request_changes", _("Request changes")
        DECLINE = "decline", _("Decline")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.proposal}"

    @property
    def approves(self) -> bool:
        return self.outcome == self.Outcome.APPROVE

    @property
    def declines(self) -> bool:
        return self.outcome == self.Outcome.DECLINE


class Milestone(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=MilestoneStatus, default=MilestoneStatus.PLANNED
    )
    # When it was last marked done: the milestones feed dates its entries by it.
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The token of the form that made it: the same form posted again finds this row.
    request_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "request_token"], name="one_milestone_per_request_token"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="progress_updates"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("update"), help_text=_("Markdown."))
    is_final_report = models.BooleanField(_("final report"), default=False)
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)
    # The token of the form that made it: the same form posted again finds this row.
    request_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "request_token"], name="one_update_per_request_token"
            )
        ]

    def __str__(self) -> str:
        return f"Update on {self.proposal}"
