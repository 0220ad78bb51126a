from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.charts import BarChart, bar_chart
from core.http import login_url_back_here
from core.pagecache import public_page
from members.models import Institution
from members.selectors import alliance_figures, dashboard_for
from notifications.selectors import open_actions_for
from projects.enums import PUBLIC_STAGES
from projects.selectors import alliance_overview_cached, proposal_list


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
    charts: list[BarChart] = [
        bar_chart(
            slug="stages",
            label_heading=_("Stage"),
            title=_("Public projects per stage"),
            desc=_describe(figures.stages),
            value_heading=_("Projects"),
            rows=figures.stages,
        ),
        bar_chart(
            slug="focus-areas",
            label_heading=_("Focus area"),
            title=_("Public projects per focus area"),
            desc=_describe(figures.focus_areas),
            value_heading=_("Projects"),
            rows=figures.focus_areas,
        ),
        bar_chart(
            slug="countries",
            label_heading=_("Country"),
            title=_("Public projects per country of the lead institution"),
            desc=_describe(figures.countries),
            value_heading=_("Projects"),
            rows=figures.countries,
        ),
        bar_chart(
            slug="median-days",
            label_heading=_("Stage"),
            title=_("Median days spent in each stage"),
            desc=_describe(figures.median_days),
            value_heading=_("Median days"),
            rows=figures.median_days,
        ),
        bar_chart(
            slug="months",
            label_heading=_("Month"),
            title=_("New public projects per month, last 12 months"),
            desc=_describe(figures.months),
            value_heading=_("Projects"),
            rows=figures.months,
        ),
    ]
    return render(request, "overview.html", {"charts": charts})


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
