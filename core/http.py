"""htmx, redirect and language-cookie helpers shared by every app's views."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def wants_partial(request: HtmxHttpRequest) -> bool:
    """True for an htmx request that swaps part of the page in."""
    # A history restore asks for the whole page, although it comes from htmx.
    return bool(request.htmx) and not request.htmx.history_restore_request


def vary_on_htmx[R: HttpResponse](response: R) -> R:
    """Mark a response whose content depends on whether htmx asked for it.

    A browser or proxy cache that saw the partial must never answer a full page load with it.
    """
    patch_vary_headers(response, ["HX-Request"])
    return response


def render_page(
    request: HtmxHttpRequest, template: str, context: dict, *, partial: str
) -> HttpResponse:
    """Render the page, or only its ``partial`` for htmx, and vary the cache on HX-Request."""
    name = f"{template}#{partial}" if wants_partial(request) else template
    return vary_on_htmx(render(request, name, context))


def _points_here(request: HttpRequest, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The posted ``next`` when it points into this site, else ``default``."""
    target = request.POST.get("next", "")
    return target if _points_here(request, target) else default


def login_url_back_here(request: HttpRequest) -> str:
    """The sign-in page, with ``next`` set to the requested path when that path is safe."""
    login = resolve_url(settings.LOGIN_URL)
    target = request.get_full_path()
    # A path such as "//elsewhere.example/" would send the signed-in user off the site.
    if not _points_here(request, target):
        return login
    return f"{login}?{urlencode({REDIRECT_FIELD_NAME: target})}"


def language_cookie_set(response: HttpResponse, *, language: str) -> None:
    """Make `language` the interface language of the next requests, as Django's set_language does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
