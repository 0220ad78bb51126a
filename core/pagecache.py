"""A full-page cache: visitors share the public pages; a signed-in person gets back their own.

A visitor (no session cookie, no messages cookie) sees nothing that is theirs, so the page
one visitor got serves the next, from the shared cache. Only views marked ``@public_page``
take part, and only for GET and HEAD; the key is the host, the full path with its query
string, the active language and the htmx headers that choose a partial.

A signed-in person's copy of a page marked ``@public_page`` or ``@member_page`` is kept
for their session (the key holds the session cookie, through an HMAC with the secret key):
it is served to that session alone, and only while nothing at all has been written to the
database since it was rendered (the data version below). What a person may see hangs on
memberships, roles, groups, participations, assignments, their notifications and more;
rather than list every write that changes any of it (and miss the admin's, or a bulk
update's), every committed INSERT, UPDATE or DELETE bumps the data version. That includes
the session table: signing in or out, a session flushed or cycled, a message stored in it.
So a served copy stands for a session that signed its person in when the copy was made
and, nothing written since, still does (the same person, active, the same password): a
hit loads neither the session nor the person. Only an expiry needs no write: a session
may get its copies for up to ``PAGE_CACHE_SECONDS`` after it expired. Writes are rare
next to reads, so the pages still come from the cache most of the time.

A copy past ``PAGE_CACHE_SECONDS`` is renewed by the first request that finds it so (it
takes a lock, ``RENEWING``, for ``RENEWAL_SECONDS`` at most); requests that come while it
renders get the copy rather than all rendering the page at once. A copy of another
version is never served: renewal stretches only what time alone bounds, by one render.

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

What bumps the data version: ``watch_writes``, an execute wrapper on every database
connection (``connection_created``, connected in ``CoreConfig.ready``), after the
transaction that wrote commits. ``PAGE_CACHE_SECONDS`` bounds what time alone changes
(a deadline passing) and writes made outside this code (psql).
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

VERSION_KEY = "pagecache:public-version"
DATA_VERSION_KEY = "pagecache:data-version"
CSRF_PLACEHOLDER = "__page-cache-csrf-token__"
# A copy past its ``PAGE_CACHE_SECONDS`` is kept this much longer: while one request renders
# the page anew (holding the key + RENEWING for at most as long), the others get the copy.
RENEWAL_SECONDS = 30
RENEWING = ":renewing"
MESSAGES_SESSION_KEY = SessionStorage.session_key
_KEY_SALT = "core.pagecache.session"
# A masked CSRF token: 64 letters and digits (django.middleware.csrf).
_MASKED_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# The htmx headers that change what a view renders (core.http.wants_partial and the targets).
_HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request", "HX-Target", "HX-Trigger")
# Response headers a served copy carries; the middleware adds the rest again on the way out.
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Vary")
# A statement that writes (SELECT ... FOR UPDATE starts with SELECT).
_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|TRUNCATE)\b", re.IGNORECASE)


def public_version_bump() -> None:
    """Make every cached public page stale."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def public_data_changed() -> None:
    """Make the cached public pages stale once the current transaction commits."""
    transaction.on_commit(public_version_bump)


def on_event_recorded(sender, **kwargs) -> None:
    public_data_changed()


def data_version_bump() -> None:
    """Make every cached signed-in page stale."""
    cache.set(DATA_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _writes(sql: object) -> bool:
    # Composed SQL (not a string) counts as a write rather than be read.
    return not isinstance(sql, str) or _WRITE.match(sql) is not None


def watch_writes(execute, sql, params, many, context):
    """Bump the data version once the transaction that runs this write commits."""
    result = execute(sql, params, many, context)
    if _writes(sql):
        connection = context["connection"]
        # Once per transaction (in autocommit on_commit runs the bump at once).
        if not any(func is data_version_bump for _, func, _ in connection.run_on_commit):
            transaction.on_commit(data_version_bump, using=connection.alias)
    return result


def on_connection_created(sender, connection, **kwargs) -> None:
    # First in the list: ``execute_wrapper()`` blocks pop the last one when they end, and a
    # connection may open inside one.
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, watch_writes)


def _whose(request: HttpRequest) -> str | None:
    """Whose copy of the page this request may get: "public", a session's, or none (render)."""
    cookies = request.COOKIES
    if request.method not in ("GET", "HEAD") or CookieStorage.cookie_name in cookies:
        return None
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if session_key is None:
        return "public"
    # Through the secret key: a new key (which signs nobody in with the old sessions) finds
    # none of the copies made before it.
    return "session:" + salted_hmac(_KEY_SALT, session_key, algorithm="sha256").hexdigest()


def _stored_for(request: HttpRequest, whose: str) -> bool:
    """Whether the rendered page may be kept as this copy: its session signed a person in."""
    if whose == "public":
        return True
    session = request.session
    return (
        request.user.is_authenticated
        and session.session_key == request.COOKIES[settings.SESSION_COOKIE_NAME]
        and MESSAGES_SESSION_KEY not in session
    )


def _key(request: HttpRequest, whose: str) -> str:
    htmx = "|".join(request.headers.get(name, "") for name in _HTMX_HEADERS)
    scheme = "https" if request.is_secure() else "http"
    parts = [
        whose,
        scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        htmx,
    ]
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


def _cached[**P](view: Callable[P, HttpResponse], *, public: bool) -> Callable[P, HttpResponse]:
    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        request = args[0]
        assert isinstance(request, HttpRequest)
        whose = _whose(request) if settings.PAGE_CACHE else None
        if whose is None or (whose == "public" and not public):
            return view(*args, **kwargs)
        key = _key(request, whose)
        version_key = VERSION_KEY if whose == "public" else DATA_VERSION_KEY
        # One round trip: the page and the version it must have been rendered at.
        found = cache.get_many([version_key, key])
        version, entry = found.get(version_key), found.get(key)
        renewing = None
        if version is not None and entry is not None and entry["version"] == version:
            # Past its time, one request renders the page anew while the others get the
            # copy meanwhile: 50 requests at once would otherwise all render it.
            if entry.get("fresh_until", 0) > time.time() or not cache.add(
                key + RENEWING, 1, timeout=RENEWAL_SECONDS
            ):
                return _serve(request, entry)
            renewing = key + RENEWING
        try:
            return _render_and_store(
                view, args, kwargs, whose=whose, key=key, version_key=version_key, version=version
            )
        finally:
            if renewing is not None:
                cache.delete(renewing)

    return wrapper


def _render_and_store(
    view: Callable[..., HttpResponse],
    args: tuple,
    kwargs: dict,
    *,
    whose: str,
    key: str,
    version_key: str,
    version: str | None,
) -> HttpResponse:
    """Render the page, and keep it when it may be served as this copy."""
    request = args[0]
    response = view(*args, **kwargs)
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()
    if version is None:
        # No version yet (a fresh or flushed cache): start one. If a change set one
        # meanwhile, this page may predate it: leave it to the next request.
        started = uuid.uuid4().hex
        version = started if cache.add(version_key, started, timeout=None) else None
    if (
        version is not None
        and _storable(response)
        and not _personal(request)
        and _stored_for(request, whose)
    ):
        entry = {
            "version": version,
            "fresh_until": time.time() + settings.PAGE_CACHE_SECONDS,
            "content": _without_token(request, response.content.decode(response.charset)),
            "headers": [(n, response[n]) for n in _KEPT_HEADERS if n in response],
        }
        cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS + RENEWAL_SECONDS)
    return response


def public_page[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Serve visitors the page from the shared cache, a signed-in person their own copy."""
    return _cached(view, public=True)


def member_page[**P](view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """Serve a signed-in person their own copy of the page; visitors always get it rendered.

    For a page that differs by person (behind ``login_required``, or one whose visitors'
    answer is a 404): only the person's copy is kept. Put it outside ``login_required``: a
    copy is served only to the session it was made for, which signed its person in then
    and, nothing written since, still does.
    """
    return _cached(view, public=False)
