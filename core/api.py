"""What each app's part of the public JSON API shares: errors, pages of rows, the rate limit.

The API is read-only and answers what a visitor sees: every app's router reads through its
selectors with an anonymous user, whatever session cookie the request carries. Each app
exposes a ``ninja.Router`` in its ``api.py``; ``alliance/api.py`` mounts them at /api/v1/.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import get_script_prefix, reverse
from ninja import Field, Schema

# The URL namespace the API is mounted under: each router names its own routes with it.
API_NAMESPACE = "api"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


_SLUG = "__slug__"


@functools.cache
def _path_template(name: str, script_prefix: str) -> str:
    # The script prefix only keys the cache: reverse() adds it.
    return reverse(name, args=[_SLUG])


def url_for(context: dict[str, Any], name: str, slug: str) -> str:
    """The absolute URL of the route ``name`` for one slug, without a reverse() per row.

    A page of a hundred rows links each several times; reversing each link took a third of
    the list's time. A slug needs no quoting.
    """
    path = _path_template(name, get_script_prefix()).replace(_SLUG, slug)
    return context["request"].build_absolute_uri(path)


class ErrorItem(Schema):
    parameter: str = Field(description="The query parameter at fault.")
    message: str = Field(description="What is wrong with it.")


class ErrorOut(Schema):
    """Every refusal: a sentence, and for bad query parameters one item per parameter."""

    detail: str = Field(description="What went wrong, in a sentence.")
    errors: list[ErrorItem] = Field(
        default_factory=list, description="The query parameters at fault, if any."
    )


class ApiError(Exception):
    """A request the API refuses with ``status`` and an ``ErrorOut`` body; nothing changes."""

    def __init__(self, status: int, detail: str, errors: Sequence[ErrorItem] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)

    def body(self) -> dict[str, Any]:
        return error_body(self.detail, self.errors)


def error_body(detail: str, errors: Sequence[ErrorItem] = ()) -> dict[str, Any]:
    return ErrorOut(detail=detail, errors=list(errors)).model_dump()


class PageParams(Schema):
    """The page of a list to answer; each list's filters extend it."""

    page: int = Field(1, ge=1, description="The page to answer, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Rows per page, at most {MAX_PAGE_SIZE}.",
    )


class Page[T](Schema):
    """One page of a list, in the list's stable order, with links to its neighbours."""

    count: int = Field(description="Rows in the whole list, over all pages.")
    page: int = Field(description="This page's number, from 1.")
    page_size: int = Field(description="Rows per page.")
    pages: int = Field(description="How many pages the list has (0 for an empty list).")
    next: str | None = Field(description="The next page's URL, null on the last page.")
    previous: str | None = Field(description="The previous page's URL, null on the first.")
    results: list[T]


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def page_of(request: HttpRequest, rows: QuerySet, *, params: PageParams) -> dict[str, Any]:
    """The page ``params`` ask for of ``rows`` (ordered): its rows, the count and the links.

    Two queries however long the page (the count, the rows), plus the rows' prefetches.
    A page past the last is refused with 400; the first page of an empty list is empty.
    """
    count = rows.count()
    pages = math.ceil(count / params.page_size)
    last = max(pages, 1)
    if params.page > last:
        message = f"The last page is {last}."
        raise ApiError(
            400,
            f"Page {params.page} is out of range: the last page is {last}.",
            [ErrorItem(parameter="page", message=message)],
        )
    start = (params.page - 1) * params.page_size
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "pages": pages,
        "next": _page_url(request, params.page + 1) if params.page < pages else None,
        "previous": _page_url(request, params.page - 1) if params.page > 1 else None,
        "results": list(rows[start : start + params.page_size]),
    }


# Rate limit -----------------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The client's address as the sign-in limits count it (allauth's, TRUSTED_PROXY_COUNT)."""
    return get_adapter(request).get_client_ip(request)


def _seconds_over_limit(request: HttpRequest) -> int | None:
    """Count the request; past the limit, the seconds until the client's window ends.

    Fixed windows counted in the shared cache: ``add`` then ``incr`` are atomic on Redis, so
    every process and thread counts each request once, with no state of their own. While
    Redis is down the cache answers ``add`` with True and ``incr`` with 1 (core.cache):
    nothing is limited and no request fails.
    """
    limit = settings.API_RATE_LIMIT
    if limit <= 0:
        return None
    window = settings.API_RATE_LIMIT_WINDOW
    now = time.time()
    number = int(now // window)
    key = f"api:rate:{client_address(request)}:{number}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window's count expired between the two calls
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((number + 1) * window - now))


def rate_limited[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Answer 429 with Retry-After to a client past ``API_RATE_LIMIT`` in its window."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        seconds = _seconds_over_limit(request)
        if seconds is None:
            return view(*args, **kwargs)
        detail = (
            f"Too many requests: at most {settings.API_RATE_LIMIT} every "
            f"{settings.API_RATE_LIMIT_WINDOW} seconds. Try again in {seconds} seconds."
        )
        response = JsonResponse(error_body(detail), status=429)
        response["Retry-After"] = str(seconds)
        return response

    return wrapper
