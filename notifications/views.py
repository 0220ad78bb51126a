"""Pages of the notifications app reached from emails."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.unsubscribe import (
    UnsubscribeLinkExpired,
    UnsubscribeLinkInvalid,
    preferences_unsubscribe,
    unsubscribe_read,
)


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
