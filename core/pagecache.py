"""A full-page cache for visitors on the public pages, dropped whenever public data changes.

A visitor (no session cookie, no messages cookie) sees nothing that is theirs, so the page
one visitor got serves the next, from the shared cache. Only views marked ``@public_page``
take part, and only for GET and HEAD; the key is the host, the full path with its query
string, the active language and the htmx headers that choose a partial.

What differs per visitor in such a page is the CSRF token: it is stored as a placeholder and
the current request's token is put back when the page is served (``get_token`` also makes
the CSRF middleware set the cookie, as a rendered page would). The site sends no CSP
nonces (``SECURE_CSP`` has none and no template asks for one).

What bumps the public version (one rule, and these are its only callers):
- every domain event (``core.outbox.event_recorded``, connected in ``CoreConfig.ready``);
- every change to an institution, an affiliation or a profile
  (``members.signals.profiles_changed_on_commit``, next to the alliance figures).
The writes that record neither touch nothing a visitor sees: a proposal is edited only
before it is public (``EDITABLE_STAGES``), and the consortium rules are checked only then.
Edits in the admin go around the services: ``PAGE_CACHE_SECONDS`` bounds how long a page
outlives them. Redis down: the cache answers misses (``core.cache``) and pages render.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import translation

VERSION_KEY = "pagecache:public-version"
CSRF_PLACEHOLDER = "__page-cache-csrf-token__"
# A masked CSRF token: 64 letters and digits (django.middleware.csrf).
_MASKED_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# The htmx headers that change what a view renders (core.http.wants_partial and the targets).
_HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request", "HX-Target", "HX-Trigger")
# Response headers a served copy carries; the middleware adds the rest again on the way out.
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary")


def public_version_bump() -> None:
    """Make every cached public page stale."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def public_data_changed() -> None:
    """Make the cached public pages stale once the current transaction commits."""
    transaction.on_commit(public_version_bump)


def on_event_recorded(sender, **kwargs) -> None:
    public_data_changed()


def _is_visitor(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
    )


def _key(request: HttpRequest) -> str:
    htmx = "|".join(request.headers.get(name, "") for name in _HTMX_HEADERS)
    scheme = "https" if request.is_secure() else "http"
    parts = [scheme, request.get_host(), request.get_full_path(), translation.get_language(), htmx]
    # Hashed: a path may hold characters a cache key must not.
    return "pagecache:page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _personal(request: HttpRequest) -> bool:
    """Tell whether rendering left something for this visitor alone (a message, a session)."""
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return True
    messages = getattr(request, "_messages", None)
    return bool(messages is not None and getattr(messages, "added_new", False))


def _storable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if getattr(response, "page_cache", True) is False:
        return False
    if any(name != settings.CSRF_COOKIE_NAME for name in response.cookies):
        return False
    control = response.get("Cache-Control", "")
    return not any(word in control for word in ("private", "no-store", "no-cache"))


def _without_token(request: HttpRequest, content: str) -> str:
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return content

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        # Django has no public way to tell a masked token's secret.
        unmasked = csrf._unmask_cipher_token(token)  # type: ignore[attr-defined]
        return CSRF_PLACEHOLDER if unmasked == secret else token

    return _MASKED_TOKEN.sub(replace, content)


def _serve(request: HttpRequest, entry: dict) -> HttpResponse:
    content: str = entry["content"]
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(content)
    for name, value in entry["headers"]:
        response[name] = value
    return response


def public_page[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Serve the page from the shared cache to visitors; never for a signed-in user."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        if not settings.PAGE_CACHE or not _is_visitor(request):
            return view(*args, **kwargs)
        key = _key(request)
        # One round trip: the page and the version it must have been rendered at.
        found = cache.get_many([VERSION_KEY, key])
        version, entry = found.get(VERSION_KEY), found.get(key)
        if version is not None and entry is not None and entry["version"] == version:
            return _serve(request, entry)
        response = view(*args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()
        if version is None:
            # No version yet (a fresh or flushed cache): start one. If a change set one
            # meanwhile, this page may predate it: leave it to the next visitor.
            started = uuid.uuid4().hex
            version = started if cache.add(VERSION_KEY, started, timeout=None) else None
        if version is not None and _storable(response) and not _personal(request):
            entry = {
                "version": version,
                "content": _without_token(request, response.content.decode(response.charset)),
                "headers": [(n, response[n]) for n in _KEPT_HEADERS if n in response],
            }
            cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
