"""What every projects page shares."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

PAGE_SIZE = 25


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def partial_template(request: HtmxHttpRequest, template: str, block: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{block}"
    return template
