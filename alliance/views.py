from dataclasses import dataclass

import rules
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.charts import BarChart, bar_chart
from alliance.forms import NetworkForm, SearchForm
from alliance.network import network_chart_cached
from core import search
from core.http import HtmxHttpRequest, login_url_back_here, render_page
from core.pagecache import member_page, public_page
from members.models import FocusArea, Institution
from members.selectors import (
    INSTITUTION_SEARCH_FIELDS,
    PERSON_SEARCH_FIELDS,
    alliance_figures,
    competence_choices,
    dashboard_for,
    institution_country_choices,
    institution_search,
    person_search,
)
from notifications.selectors import open_actions_for
from projects.enums import PUBLIC_STAGES
from projects.selectors import (
    PROPOSAL_SEARCH_FIELDS,
    alliance_overview_cached,
    focus_area_catalogue,
    proposal_list,
    proposal_search,
    stages_visible_to,
)

SEARCH_PAGE_SIZE = 20
SEARCH_PREVIEW_SIZE = 5


@public_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    figures = alliance_figures()
    context = {
        "institution_count": figures.institutions,
        "country_count": figures.countries,
        "people_count": figures.people,
        "founders": Institution.objects.members().filter(founding_member=True),
        "projects": proposal_list(user=request.user)
        .in_stage(*PUBLIC_STAGES)
        .order_by("-stage_changed_at")[:6],
    }
    return render(request, "home.html", context)


def _describe(rows: list[tuple[str, int | float]]) -> str:
    # Numbers as the table shows them (a decimal comma in German).
    return "; ".join(f"{label}: {number_format(value)}" for label, value in rows) or _(
        "No projects yet."
    )


@public_page
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The public projects in pictures: stages, focus areas, countries, time, growth."""
    figures = alliance_overview_cached()
    projects = _("Projects")
    # Each chart: its slug, what its rows are, its title, what its numbers are, its rows.
    specs = [
        ("stages", _("Stage"), _("Public projects per stage"), projects, figures.stages),
        (
            "focus-areas",
            _("Focus area"),
            _("Public projects per focus area"),
            projects,
            figures.focus_areas,
        ),
        (
            "countries",
            _("Country"),
            _("Public projects per country of the lead institution"),
            projects,
            figures.countries,
        ),
        (
            "median-days",
            _("Stage"),
            _("Median days spent in each stage"),
            _("Median days"),
            figures.median_days,
        ),
        (
            "months",
            _("Month"),
            _("New public projects per month, last 12 months"),
            projects,
            figures.months,
        ),
    ]
    charts: list[BarChart] = [
        bar_chart(
            slug=slug,
            label_heading=label_heading,
            title=title,
            desc=_describe(rows),
            value_heading=value_heading,
            rows=rows,
        )
        for slug, label_heading, title, value_heading, rows in specs
    ]
    return render(request, "overview.html", {"charts": charts})


@public_page
@require_GET
def network(request: HtmxHttpRequest) -> HttpResponse:
    """Who works with whom on the public projects, filtered by focus area and country."""
    # The picture is the same for every reader, so are its filters' choices.
    form = NetworkForm(
        request.GET,
        focus_area_choices=FocusArea.objects.values_list("slug", "name"),
        country_choices=institution_country_choices(user=AnonymousUser()),
    )
    form.is_valid()
    focus_area, country = form.value("focus_area"), form.value("country")
    context = {
        "form": form,
        "chart": network_chart_cached(focus_area=focus_area, country=country),
        "country": country,
        "is_filtered": bool(focus_area or country),
    }
    return render_page(request, "network.html", context, partial="picture")


@dataclass(frozen=True)
class SearchSection:
    kind: str
    heading: str
    page_obj: Page
    # Everything shows the first rows of each kind; the link opens that kind, paginated.
    more_url: str


# Per kind: the searched fields, the one shown as the result's title and those its snippet
# is cut from.
_SHOWN_FIELDS = {
    "projects": (PROPOSAL_SEARCH_FIELDS, "title", ("summary", "description")),
    "institutions": (INSTITUTION_SEARCH_FIELDS, "name", ("description",)),
    "people": (PERSON_SEARCH_FIELDS, "display_name", ("bio",)),
}


def _section(
    request: HtmxHttpRequest, *, kind: str, heading: str, rows: QuerySet, single: bool, text: str
) -> SearchSection:
    fields, title, body = _SHOWN_FIELDS[kind]
    size = SEARCH_PAGE_SIZE if single else SEARCH_PREVIEW_SIZE
    page_obj = Paginator(rows, size).get_page(request.GET.get("page") if single else 1)
    page_obj.object_list = list(page_obj.object_list)
    search.hits(page_obj.object_list, text=text, fields=fields, title=title, body=body)
    params = request.GET.copy()
    params["kind"] = kind
    params.pop("page", None)
    return SearchSection(
        kind=kind, heading=heading, page_obj=page_obj, more_url=f"?{params.urlencode()}"
    )


@public_page
@require_GET
def site_search(request: HtmxHttpRequest) -> HttpResponse:
    """Public projects, institutions and people's public profiles that match a query."""
    form = SearchForm(
        request.GET,
        focus_area_choices=FocusArea.objects.values_list("slug", "name"),
        stage_choices=[
            (stage.value, stage.label) for stage in stages_visible_to(user=request.user)
        ],
        country_choices=institution_country_choices(user=request.user),
        competence_choices=competence_choices(),
    )
    form.is_valid()
    text = form.value("q").strip()
    sections: list[SearchSection] = []
    if text and "q" not in form.errors:
        kinds = form.kinds()
        single = len(kinds) == 1
        rows = {
            "projects": (
                _("Projects"),
                lambda: proposal_search(
                    user=request.user,
                    text=text,
                    focus_area=form.value("focus_area"),
                    stage=form.value("stage"),
                    competence=form.value("competence"),
                ),
            ),
            "institutions": (
                _("Institutions"),
                lambda: institution_search(
                    user=request.user,
                    text=text,
                    kind=form.value("institution_kind"),
                    country=form.value("country"),
                    competence=form.value("competence"),
                ),
            ),
            "people": (
                _("People"),
                lambda: person_search(text=text, competence=form.value("competence")),
            ),
        }
        for kind in kinds:
            heading, query = rows[kind]
            sections.append(
                _section(
                    request, kind=kind, heading=heading, rows=query(), single=single, text=text
                )
            )
    context = {
        "form": form,
        "text": text,
        "sections": sections,
        "single": len(sections) == 1,
    }
    return render_page(request, "search.html", context, partial="results")


@public_page
@require_GET
def api_guide(request: HttpRequest) -> HttpResponse:
    """Where other programs read the alliance: the JSON API, its docs, the feeds, the CSV export."""
    context = {
        "focus_areas": focus_area_catalogue(user=request.user),
        "rate_limit": settings.API_RATE_LIMIT,
        "rate_window": settings.API_RATE_LIMIT_WINDOW,
        "can_export": rules.has_perm("projects.export_proposals", request.user),
    }
    return render(request, "api.html", context)


@member_page
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The signed-in person's page: what waits for them first, then their place in the alliance."""
    context = {
        "actions": open_actions_for(user=request.user),
        "dashboard": dashboard_for(user=request.user),
    }
    return render(request, "dashboard.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer the same 404 for what does not exist and what the visitor may not see."""
    # The exception's text is left out: it may name what was looked for.
    context = {"login_url": login_url_back_here(request)}
    return render(request, "404.html", context, status=404)
