from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.http import login_url_back_here
from core.pagecache import public_page
from members.models import Institution
from members.selectors import alliance_figures, dashboard_for
from notifications.selectors import open_actions_for
from projects.enums import PUBLIC_STAGES
from projects.selectors import proposal_list


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
