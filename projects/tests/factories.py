from __future__ import annotations

import factory

from members.tests.factories import FocusAreaFactory, InstitutionFactory, MembershipFactory
from projects.enums import ParticipationRole, ParticipationStatus, Stage, Visibility
from projects.models import Participation, Proposal, ProposalCompetence, ReviewAssignment, Revision


class ProposalFactory(factory.django.DjangoModelFactory):
    """A proposal with its lead (an active member of the lead institution) and first revision."""

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Open multimodal model {n}")
    slug = factory.Sequence(lambda n: f"open-multimodal-model-{n}")
    summary = "Train and release an open multimodal foundation model for robot learning."
    description = "## Plan\n\nWe build an **open** model."
    focus_area = factory.SubFactory(FocusAreaFactory)
    lead_institution = factory.SubFactory(InstitutionFactory)
    lead = factory.LazyAttribute(lambda o: MembershipFactory(institution=o.lead_institution).person)
    stage = Stage.DRAFT
    visibility = Visibility.OPEN_CALL

    @factory.post_generation
    def lead_participation(self, create, extracted, **kwargs):
        if create:
            Participation.objects.create(
                proposal=self,
                institution=self.lead_institution,
                person=self.lead,
                role=ParticipationRole.LEAD,
                status=ParticipationStatus.CONFIRMED,
            )
            Revision.objects.create(
                proposal=self,
                number=1,
                title=self.title,
                summary=self.summary,
                description=self.description,
                details=Revision.snapshot_details(proposal=self, competences={}),
                author=self.lead,
            )


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    proposal = factory.SubFactory(ProposalFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = ParticipationRole.PARTNER
    status = ParticipationStatus.CONFIRMED


class ProposalCompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalCompetence

    proposal = factory.SubFactory(ProposalFactory)
    importance = 2


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewAssignment

    proposal = factory.SubFactory(ProposalFactory, stage=Stage.REVIEW)
    reviewer = factory.LazyAttribute(lambda o: MembershipFactory().person)
    assigned_by = factory.LazyAttribute(lambda o: o.reviewer)
