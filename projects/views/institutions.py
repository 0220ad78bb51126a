"""An institution's dashboard for its representatives and the coordinators."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.pagecache import member_page
from members.models import Institution
from projects import selectors


@member_page
@require_GET
def institution_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Its people, projects by stage, pending sign-offs and collaborators; 404 to anyone else."""
    institution = get_object_or_404(Institution.objects.visible_to(request.user), slug=slug)
    # A visitor too gets the 404, not the sign-in page: the dashboard's address says nothing.
    if not request.user.has_perm("projects.view_institution_dashboard", institution):
        raise Http404
    context = {
        "institution": institution,
        "dashboard": selectors.institution_dashboard(user=request.user, institution=institution),
    }
    return render(request, "projects/institution_dashboard.html", context)
