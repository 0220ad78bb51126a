"""The bell, the notifications page, email preferences, a mail log, unsubscribing, the matrix."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import DomainError, NotPermitted
from core.http import HtmxHttpRequest, render_page, wants_partial
from notifications import selectors, services
from notifications.audience import CELLS, MATRIX_CELLS, switched_off_cells
from notifications.enums import NotificationKind, RecipientRole
from notifications.forms import (
    NotificationFilterForm,
    PreferencesForm,
    RoleMatrixForm,
    cell_value,
)
from notifications.unsubscribe import (
    UnsubscribeLinkExpired,
    UnsubscribeLinkInvalid,
    preferences_unsubscribe,
    unsubscribe_read,
)

PAGE_SIZE = 25
LIST_TEMPLATE = "notifications/notification_list.html"
BELL_TEMPLATE = "notifications/includes/bell.html"
# The list's state that every form on it carries along, so that it comes back as it was.
LIST_PARAMS = ("proposal", "kind", "page")


def _list_query(data: QueryDict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name in LIST_PARAMS:
        if data.get(name):
            query[name] = data[name]
    return query


def _list_url(query: QueryDict) -> str:
    url = reverse("notifications:list")
    return f"{url}?{query.urlencode()}" if query else url


def _list_context(request: HtmxHttpRequest, query: QueryDict) -> dict:
    user = request.user
    form = NotificationFilterForm(
        query or None,
        proposals=selectors.notification_proposals(user=user),
        kinds=selectors.notification_kinds(user=user),
    )
    filters = form.filters()
    notifications = selectors.notification_list(user=user, **filters)
    return {
        "form": form,
        "filtered": any(filters.values()),
        "page_obj": Paginator(notifications, PAGE_SIZE).get_page(query.get("page")),
        "query": query,
        "unread_count": selectors.unread_count(user=user),
    }


def _with_bell(request: HtmxHttpRequest, html: str) -> HttpResponse:
    """An htmx answer that also swaps the header's bell (out of band) to the new count."""
    bell = render_to_string(BELL_TEMPLATE, {"oob": True}, request=request)
    return HttpResponse(html + bell)


# The bell ---------------------------------------------------------------------------------


@never_cache
@require_GET
def badge(request: HtmxHttpRequest) -> HttpResponse:
    """Only the bell, for htmx to refresh the count (signed out: a bell without a count)."""
    return render(request, BELL_TEMPLATE)


# The notifications page -------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    context = _list_context(request, _list_query(request.GET))
    return render_page(request, LIST_TEMPLATE, context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it points (only ever a page of this site)."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    try:
        services.notification_mark_read(notification=notification, user=request.user)
    except NotPermitted:
        raise Http404 from None
    target = notification.url
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(user=request.user, pk=pk)
    try:
        services.notification_mark_read(notification=notification, user=request.user)
    except NotPermitted:
        raise Http404 from None
    query = _list_query(request.POST)
    if not wants_partial(request):
        return redirect(_list_url(query))
    context = {
        "notification": notification,
        "query": query,
        "filtered": bool(query.get("proposal") or query.get("kind")),
        "unread_count": selectors.unread_count(user=request.user),
        "oob": True,
    }
    item = render_to_string(f"{LIST_TEMPLATE}#item", context, request=request)
    toolbar = render_to_string(f"{LIST_TEMPLATE}#toolbar", context, request=request)
    return _with_bell(request, item + toolbar)


@login_required
@require_POST
def notifications_mark_all_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark every unread notification read, or those about the proposal filtered for."""
    query = _list_query(request.POST)
    slug, kind = query.get("proposal"), query.get("kind")
    changed = services.notifications_mark_all_read(
        user=request.user,
        proposal=selectors.notification_proposal(user=request.user, slug=slug) if slug else None,
        kind=kind if kind in NotificationKind.values else None,
    )
    if not wants_partial(request):
        if changed:
            messages.success(request, _("Marked as read."))
        return redirect(_list_url(query))
    context = _list_context(request, query)
    return _with_bell(
        request, render_to_string(f"{LIST_TEMPLATE}#results", context, request=request)
    )


# Email preferences ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HtmxHttpRequest) -> HttpResponse:
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        preferences=selectors.preferences_of(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(user=request.user, choices=form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your email preferences are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# The mail log -----------------------------------------------------------------------------


@login_required
@require_GET
def mail_log(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Which emails about the proposal went to whom, when, and how their delivery went."""
    proposal = selectors.proposal_for_mail_log(user=request.user, slug=slug)
    if not rules.has_perm("notifications.view_mail_log", request.user, proposal):
        raise Http404
    deliveries = selectors.mail_log(proposal=proposal)
    context = {
        "proposal": proposal,
        "page_obj": Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "notifications/mail_log.html", context)


# Unsubscribing -------------------------------------------------------------------------


# Mail clients send the one-click unsubscribe (RFC 8058) as a POST without a session or a
# CSRF cookie; the signed token in the URL is what authorises it, so CSRF protection would
# only refuse them. No other view of the app is exempt.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST switches the link's email categories off at once."""
    template = "notifications/unsubscribe.html"
    try:
        person, categories = unsubscribe_read(token)
    except UnsubscribeLinkExpired:
        return render(request, template, {"expired": True}, status=400)
    except UnsubscribeLinkInvalid:
        return render(request, template, {"invalid": True}, status=400)
    context = {"categories": [category.label for category in categories], "token": token}
    with translation.override(person.language):
        if request.method == "POST":
            preferences_unsubscribe(user=person, categories=categories)
            return render(request, template, {**context, "done": True})
        return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def role_matrix(request: HttpRequest) -> HttpResponse:
    """Coordinators switch each kind of notification on or off for each recipient role."""
    if not rules.has_perm("notifications.manage_matrix", request.user):
        raise Http404
    off = switched_off_cells()
    form = RoleMatrixForm(
        request.POST if request.method == "POST" else None,
        initial={"enabled": [cell_value(*cell) for cell in MATRIX_CELLS if cell not in off]},
    )
    if form.is_valid():
        services.role_settings_update(
            actor=request.user, enabled_cells=form.cleaned_data["enabled"]
        )
        messages.success(request, _("Who is told of what is saved."))
        return redirect("notifications:role_matrix")
    ticked = set(form["enabled"].value() or [])
    rows = [
        (
            kind,
            [
                {
                    "value": cell_value(kind, role),
                    "checked": cell_value(kind, role) in ticked,
                    "id": f"cell-{kind}-{role}",
                    "role": role,
                }
                if role in CELLS[kind]
                else None
                for role in RecipientRole
            ],
        )
        for kind in NotificationKind
    ]
    context = {"form": form, "roles": list(RecipientRole), "rows": rows}
    return render(request, "notifications/role_matrix.html", context)
