"""The alliance's institutions in the JSON API: the member institutions a visitor sees.

Every read goes through the selectors with an anonymous user (``visible_to``): an applicant
or a suspended institution answers 404 as an unknown one does.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from core.api import API_NAMESPACE, ErrorOut, Page, PageParams, page_of, url_for
from members import selectors
from members.enums import CompetenceLevel, InstitutionKind
from members.models import Institution, InstitutionCompetence

router = Router(tags=["Institutions"])


class InstitutionCompetenceOut(Schema):
    slug: str
    name: str
    level: CompetenceLevel

    @staticmethod
    def resolve_slug(obj: InstitutionCompetence) -> str:
        return obj.competence.slug

    @staticmethod
    def resolve_name(obj: InstitutionCompetence) -> str:
        return obj.competence.name


class InstitutionRef(Schema):
    """An institution named in another record: enough to show it and to follow it."""

    slug: str
    name: str
    short_name: str
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    url: str = Field(description="The institution in this API.")
    html_url: str = Field(description="The institution's public page.")

    @staticmethod
    def resolve_country(obj: Institution) -> str:
        return obj.country.code

    @staticmethod
    def resolve_url(obj: Institution, context: dict) -> str:
        return url_for(context, f"{API_NAMESPACE}:institution_detail", obj.slug)

    @staticmethod
    def resolve_html_url(obj: Institution, context: dict) -> str:
        return url_for(context, "members:institution_detail", obj.slug)


class InstitutionOut(InstitutionRef):
    """A member institution as the directory lists it."""

    kind: InstitutionKind
    city: str
    website: str
    founding_member: bool
    people_count: int = Field(description="People with an active affiliation.")
    competences: list[InstitutionCompetenceOut] = Field(description="Strongest first.")

    @staticmethod
    def resolve_people_count(obj: Institution) -> int:
        return obj.active_people  # type: ignore[attr-defined]

    @staticmethod
    def resolve_competences(obj: Institution) -> list:
        return obj.competence_list  # type: ignore[attr-defined]


class InstitutionDetailOut(InstitutionOut):
    """A member institution as its page shows a visitor."""

    description: str
    capacity: int = Field(description="How many joint projects it takes part in at once.")
    email_domains: list[str] = Field(
        description="Addresses at these domains (and their sub-domains) belong to it."
    )

    @staticmethod
    def resolve_email_domains(obj: Institution) -> list[str]:
        return [domain.domain for domain in obj.domains.all()]


class InstitutionFilters(PageParams):
    q: str = Field(
        "", max_length=100, description="Words in the name, short name, city or description."
    )
    kind: InstitutionKind | None = Field(None, description="The kind of institution.")
    country: str = Field("", pattern="^([A-Z]{2})?$", description="ISO 3166-1 alpha-2 code.")
    competence: str = Field("", description="A competence's slug.")
    focus_area: str = Field("", description="A focus area's slug: with a competence in it.")


@router.get(
    "/institutions/",
    response={200: Page[InstitutionOut], 400: ErrorOut, 429: ErrorOut},
    operation_id="institution_list",
    summary="List the member institutions",
)
def institution_list(request: HttpRequest, filters: Query[InstitutionFilters]):
    """The alliance's member institutions, by name, as the directory lists them."""
    institutions = selectors.institution_directory(
        user=AnonymousUser(),
        search=filters.q,
        kind=filters.kind or "",
        country=filters.country,
        competence=filters.competence,
        focus_area=filters.focus_area,
    )
    return page_of(request, institutions, params=filters)


@router.get(
    "/institutions/{slug}/",
    response={200: InstitutionDetailOut, 404: ErrorOut, 429: ErrorOut},
    operation_id="institution_detail",
    summary="One member institution",
)
def institution_detail(request: HttpRequest, slug: str):
    """A member institution's profile; any other answers 404, as an unknown one does."""
    return selectors.institution_profile(user=AnonymousUser(), slug=slug)
