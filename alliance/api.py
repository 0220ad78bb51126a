"""The public JSON API at /api/v1/: each app's router on one NinjaAPI, its errors and docs.

Read-only, and what a visitor sees whatever session the request carries. Each request counts
against its client's rate limit first (``core.api.rate_limited``); then a visitor's GET is
answered from the visitors' page cache (``core.pagecache.public_page``) when it can be.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger

from core.api import API_NAMESPACE, ApiError, ErrorItem, error_body, rate_limited
from core.pagecache import public_page
from members.api import router as members_router
from projects.api import router as projects_router

DESCRIPTION = """
The alliance's public projects, member institutions and focus areas, read-only, as JSON.

**What it shows.** Exactly what a visitor sees on the site: projects in Approved, Drive,
Paused and Completed, the member institutions and every focus area. Nothing of a proposal
in Draft, Define or Review, no review and no decision's reason, ever. A session cookie
changes nothing: signed in or not, every client reads the visitor's view. Anything else
answers 404, the same as what does not exist.

**Lists** answer one page at a time: `page` (from 1) and `page_size` (20 unless asked, at
most 100), with `count`, `pages` and the `next` and `previous` pages' URLs. Their order
is stable: projects most recently moved first (then by id), institutions by name, focus
areas in the alliance's own order.

**Errors** are JSON: `{"detail": "...", "errors": [{"parameter": "...", "message": "..."}]}`
with 400 for a bad query parameter (an unknown stage, a page past the last, a page size
over 100), 404 for what is not there and 429 past the rate limit.

**Rate limit.** Each client address may make a limited number of requests per window (120
a minute unless the operator chose otherwise); past it the API answers 429 with
`Retry-After`, the seconds until the next window.

Values are codes (stage `drive`, kind `university`, ISO 3166-1 country codes, SPDX
licences); texts are in the language their authors wrote them in; Markdown where noted.
"""


def _served[V: Callable[..., HttpResponse]](view: V) -> V:
    """Count the request against the client's rate limit, then answer it (cached for visitors)."""
    return rate_limited(public_page(view))  # type: ignore[return-value]


class Docs(Swagger):
    """Swagger UI from the package's own static files, under the site's CSP (no inline script)."""

    template = "api_docs.html"


api = NinjaAPI(
    title="Alliance Hub API",
    version="1",
    description=DESCRIPTION,
    urls_namespace=API_NAMESPACE,
    docs=Docs(settings={"validatorUrl": None, "supportedSubmitMethods": ["get"]}),
    docs_url="/docs/",
    docs_decorator=_served,
)
api.add_decorator(_served, mode="view")
api.add_router("", projects_router)
api.add_router("", members_router)


@api.exception_handler(ValidationError)
def _bad_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        ErrorItem(parameter=str(error["loc"][-1]), message=error["msg"]) for error in exc.errors
    ]
    return api.create_response(
        request,
        error_body("Some query parameters are not valid; nothing was read.", errors),
        status=400,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # One body for what does not exist and what a visitor may not see.
    return api.create_response(request, error_body("Not found."), status=404)


@api.exception_handler(ApiError)
def _refused(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(request, exc.body(), status=exc.status)
