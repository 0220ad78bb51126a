"""Public projects and focus areas in the JSON API: what a visitor sees, read-only.

Every read goes through the selectors with an anonymous user (``visible_to``): a project
outside Approved, Drive, Paused and Completed answers 404 as an unknown one does, and no
review, decision or draft text is ever read here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from core.api import API_NAMESPACE, ErrorOut, Page, PageParams, page_of, url_for
from members.api import InstitutionRef
from members.models import FocusArea
from projects import selectors
from projects.enums import (
    PUBLIC_STAGES,
    Importance,
    Licence,
    MilestoneStatus,
    ParticipationRole,
    ParticipationStatus,
    Stage,
    Visibility,
)
from projects.models import Proposal

router = Router()

# The stages a visitor sees, in the lifecycle's order: the only ones the API names.
PublicStage = enum.StrEnum(  # type: ignore[misc]
    "PublicStage", [(stage.name, stage.value) for stage in Stage if stage in PUBLIC_STAGES]
)
PublicStage.__doc__ = "The stages in which a project is public."

LIST_ERRORS = {400: ErrorOut, 429: ErrorOut}
DETAIL_ERRORS = {404: ErrorOut, 429: ErrorOut}


def _absolute(context: dict, path: str) -> str:
    return context["request"].build_absolute_uri(path)


# Schemas --------------------------------------------------------------------------------


class FocusAreaRef(Schema):
    slug: str
    name: str
    url: str = Field(description="The focus area in this API.")

    @staticmethod
    def resolve_url(obj: FocusArea, context: dict) -> str:
        return url_for(context, f"{API_NAMESPACE}:focus_area_detail", obj.slug)


class ProjectOut(Schema):
    """A public project as the project list shows it."""

    slug: str
    title: str
    summary: str
    stage: PublicStage  # type: ignore[valid-type]
    focus_area: FocusAreaRef
    licence: Licence = Field(description="SPDX identifier of the project's open licence.")
    lead_institution: InstitutionRef
    partner_count: int = Field(description="Confirmed partner institutions, the lead's aside.")
    stage_changed_at: datetime = Field(description="When the project entered its stage.")
    url: str = Field(description="The project in this API.")
    html_url: str = Field(description="The project's public page.")

    @staticmethod
    def resolve_url(obj: Proposal, context: dict) -> str:
        return url_for(context, f"{API_NAMESPACE}:project_detail", obj.slug)

    @staticmethod
    def resolve_html_url(obj: Proposal, context: dict) -> str:
        return url_for(context, "projects:proposal_detail", obj.slug)


class PersonRef(Schema):
    name: str
    html_url: str = Field(description="The person's public profile.")

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_html_url(obj, context: dict) -> str:
        return _absolute(context, obj.get_absolute_url())


class ConsortiumMemberOut(Schema):
    institution: InstitutionRef
    role: ParticipationRole
    status: ParticipationStatus = Field(
        description="Where the institution stands; only confirmed partners count."
    )
    person: PersonRef | None = Field(description="Who takes part for it, where someone does.")


class RequiredCompetenceOut(Schema):
    slug: str
    name: str
    importance: Importance

    @staticmethod
    def resolve_slug(obj) -> str:
        return obj.competence.slug

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.competence.name


class MilestoneOut(Schema):
    title: str
    description: str
    due_date: date
    status: MilestoneStatus
    done_at: datetime | None = Field(description="When it was last marked done.")


class ProgressUpdateOut(Schema):
    author: str
    body: str = Field(description="Markdown.")
    is_final_report: bool
    created_at: datetime

    @staticmethod
    def resolve_author(obj) -> str:
        return str(obj.author)


class ProjectDetailOut(ProjectOut):
    """A public project as its page shows a visitor."""

    description: str = Field(description="Markdown.")
    goals: str
    expected_outcomes: str
    resources_offered: str
    duration_months: int
    visibility: Visibility
    created_at: datetime
    consortium: list[ConsortiumMemberOut] = Field(
        description="The lead and every partner asked, invited or joined, with their status."
    )
    required_competences: list[RequiredCompetenceOut]
    milestones: list[MilestoneOut] = Field(description="From Drive on; by due date.")
    progress_updates: list[ProgressUpdateOut] = Field(
        description=f"From Drive on; the newest {selectors.UPDATES_SHOWN}, newest first."
    )

    # The lists selectors.public_project loaded beside the project.
    @staticmethod
    def resolve_consortium(obj: Proposal) -> list:
        return obj.consortium_rows  # type: ignore[attr-defined]

    @staticmethod
    def resolve_required_competences(obj: Proposal) -> list:
        return obj.competence_rows  # type: ignore[attr-defined]

    @staticmethod
    def resolve_milestones(obj: Proposal) -> list:
        return obj.milestone_rows  # type: ignore[attr-defined]

    @staticmethod
    def resolve_progress_updates(obj: Proposal) -> list:
        return obj.update_rows  # type: ignore[attr-defined]


class ProjectFilters(PageParams):
    focus_area: str = Field("", description="A focus area's slug.")
    stage: PublicStage | None = Field(None, description="One of the public stages.")  # type: ignore[valid-type]
    country: str = Field(
        "",
        pattern="^([A-Z]{2})?$",
        description="ISO 3166-1 alpha-2 code: projects whose lead institution or a confirmed "
        "partner is in this country.",
    )
    institution: str = Field(
        "", description="An institution's slug: projects it leads or is a confirmed partner in."
    )
    licence: Licence | None = Field(None, description="An SPDX licence identifier.")


class CompetenceOut(Schema):
    slug: str
    name: str


class FocusAreaOut(Schema):
    slug: str
    name: str
    description: str
    project_count: int = Field(description="Public projects in this focus area.")
    url: str = Field(description="The focus area in this API.")
    projects_url: str = Field(description="Its public projects in this API.")
    html_url: str = Field(description="Its public projects on the site.")
    feed_url: str = Field(description="The Atom feed of its new public projects.")

    @staticmethod
    def resolve_url(obj: FocusArea, context: dict) -> str:
        return url_for(context, f"{API_NAMESPACE}:focus_area_detail", obj.slug)

    @staticmethod
    def resolve_projects_url(obj: FocusArea, context: dict) -> str:
        path = reverse(f"{API_NAMESPACE}:project_list")
        return _absolute(context, f"{path}?focus_area={obj.slug}")

    @staticmethod
    def resolve_html_url(obj: FocusArea, context: dict) -> str:
        return _absolute(context, f"{reverse('projects:proposal_list')}?focus_area={obj.slug}")

    @staticmethod
    def resolve_feed_url(obj: FocusArea, context: dict) -> str:
        return url_for(context, "projects:feed_focus_area", obj.slug)


class FocusAreaDetailOut(FocusAreaOut):
    competences: list[CompetenceOut] = Field(description="By name.")


# Operations -----------------------------------------------------------------------------


@router.get(
    "/projects/",
    response={200: Page[ProjectOut], **LIST_ERRORS},
    operation_id="project_list",
    summary="List the public projects",
    tags=["Projects"],
)
def project_list(request: HttpRequest, filters: Query[ProjectFilters]):
    """The projects in Approved, Drive, Paused and Completed, most recently moved first."""
    projects = selectors.project_catalogue(
        user=AnonymousUser(),
        focus_area=filters.focus_area,
        stage=filters.stage or "",
        country=filters.country,
        institution=filters.institution,
        licence=filters.licence or "",
    )
    return page_of(request, projects, params=filters)


@router.get(
    "/projects/{slug}/",
    response={200: ProjectDetailOut, **DETAIL_ERRORS},
    operation_id="project_detail",
    summary="One public project",
    tags=["Projects"],
)
def project_detail(request: HttpRequest, slug: str):
    """A public project with its consortium, competences, milestones and progress updates.

    A project that is not public answers 404, exactly as one that does not exist.
    """
    return selectors.public_project(user=AnonymousUser(), slug=slug)


@router.get(
    "/focus-areas/",
    response={200: Page[FocusAreaOut], **LIST_ERRORS},
    operation_id="focus_area_list",
    summary="List the focus areas",
    tags=["Focus areas"],
)
def focus_area_list(request: HttpRequest, params: Query[PageParams]):
    """Every focus area of the alliance, in its own order, with its number of public projects."""
    return page_of(request, selectors.focus_area_catalogue(user=AnonymousUser()), params=params)


@router.get(
    "/focus-areas/{slug}/",
    response={200: FocusAreaDetailOut, **DETAIL_ERRORS},
    operation_id="focus_area_detail",
    summary="One focus area",
    tags=["Focus areas"],
)
def focus_area_detail(request: HttpRequest, slug: str):
    """A focus area with its competences."""
    return selectors.focus_area_with_competences(user=AnonymousUser(), slug=slug)
