"""The API as a service: its OpenAPI document, its docs page, the rate limit and its page."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import reverse

from alliance.tests.api_client import ApiClient
from members.tests.factories import CoordinatorFactory, FocusAreaFactory
from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
# Ten seconds into a minute: a window of 60 seconds has 50 left.
IN_A_WINDOW = datetime(2026, 5, 4, 9, 30, 10, tzinfo=UTC)
_hours = itertools.count()


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def moment() -> datetime:
    """Ten seconds into a window no other test counted in (the counts live in the cache)."""
    return IN_A_WINDOW + timedelta(hours=next(_hours))


@pytest.fixture
def project(db):
    return ProposalFactory(slug="open-robot-hands", stage=Stage.DRIVE)


# The OpenAPI document and the docs --------------------------------------------------------


def test_openapi_document_describes_every_operation(client):
    response = client.get("/api/v1/openapi.json")

    document = response.json()
    assert response["Content-Type"] == "application/json"
    assert (document["openapi"], document["info"]["title"]) == ("3.1.0", "Alliance Hub API")
    assert "A session cookie\nchanges nothing" in document["info"]["description"]
    operations = {
        path: operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method == "get"
    }
    assert sorted(operations) == [
        "/api/v1/focus-areas/",
        "/api/v1/focus-areas/{slug}/",
        "/api/v1/institutions/",
        "/api/v1/institutions/{slug}/",
        "/api/v1/projects/",
        "/api/v1/projects/{slug}/",
    ]
    for path, operation in operations.items():
        assert operation["summary"], path
        assert operation["description"], path
        statuses = set(operation["responses"])
        assert statuses == ({"200", "404", "429"} if "{slug}" in path else {"200", "400", "429"})
    stage = next(p for p in operations["/api/v1/projects/"]["parameters"] if p["name"] == "stage")
    assert stage["schema"]["anyOf"][0] == {"$ref": "#/components/schemas/PublicStage"}
    assert document["components"]["schemas"]["PublicStage"]["enum"] == [
        "approved",
        "drive",
        "paused",
        "completed",
    ]


def test_docs_page_runs_swagger_ui_from_the_apps_own_static_files(client):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>API documentation · Alliance Hub</title>" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [
        ' type="application/json" id="swagger-settings"',
        ' src="/static/ninja/swagger-ui-bundle.js"',
        ' src="/static/ninja/swagger-ui-init.js"',
    ]
    assets = re.findall(r'(?:src|href)="([^"#]+\.(?:js|css|svg))"', html)
    assert assets == [
        "/static/img/favicon.svg",
        "/static/ninja/swagger-ui.css",
        "/static/css/api-docs.css",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ]
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert '"url": "/api/v1/openapi.json"' in html


def test_api_guide_links_the_docs_feeds_and_export(client):
    FocusAreaFactory(name="Robotics", slug="robotics")

    html = client.get("/api/").content.decode()

    for url in (
        "/api/v1/docs/",
        "/api/v1/openapi.json",
        "/api/v1/projects/",
        "/feeds/projects/",
        "/feeds/milestones/",
        "/feeds/focus-areas/robotics/",
    ):
        assert f'href="{url}"' in html, url
    assert "Each address may make 120 requests every 60 seconds" not in html  # off in tests
    assert reverse("projects:proposal_list_export") not in html


def test_api_guide_states_the_rate_limit_and_offers_coordinators_the_export(client, settings):
    settings.API_RATE_LIMIT = 120
    client.force_login(CoordinatorFactory())

    html = " ".join(client.get("/api/").content.decode().split())

    assert "Each address may make 120 requests every 60 seconds;" in html
    assert f'href="{reverse("projects:proposal_list_export")}"' in html


def test_footer_links_the_api_guide(client):
    html = client.get("/").content.decode()

    assert f'<a href="{reverse("api_guide")}">Data for other programs</a>' in html


# The rate limit ---------------------------------------------------------------------------


def test_client_past_the_limit_is_answered_429_with_retry_after(api, settings, project, moment):
    settings.API_RATE_LIMIT = 3
    with time_machine.travel(moment, tick=False):
        allowed = [api.get("/api/v1/projects/").status_code for _ in range(3)]
        refused = api.get("/api/v1/projects/open-robot-hands/")
        elsewhere = api.get("/api/v1/projects/", REMOTE_ADDR="192.0.2.7")
    with time_machine.travel(moment + timedelta(seconds=50), tick=False):
        next_window = api.get("/api/v1/projects/")

    assert allowed == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert refused.json() == {
        "detail": "Too many requests: at most 3 every 60 seconds. Try again in 50 seconds.",
        "errors": [],
    }
    assert (elsewhere.status_code, next_window.status_code) == (200, 200)


def test_rate_limit_counts_the_forwarded_address_behind_a_trusted_proxy(
    api, settings, project, moment
):
    settings.API_RATE_LIMIT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    with time_machine.travel(moment, tick=False):
        first = api.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy)
        other = api.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy)
        again = api.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy)

    assert [first.status_code, other.status_code, again.status_code] == [200, 200, 429]


def test_rate_limit_ignores_forwarded_addresses_without_a_trusted_proxy(
    api, settings, project, moment
):
    settings.API_RATE_LIMIT = 1
    with time_machine.travel(moment, tick=False):
        first = api.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR="192.0.2.1")
        spoofed = api.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR="192.0.2.2")

    assert [first.status_code, spoofed.status_code] == [200, 429]


def test_rate_limit_counts_requests_the_page_cache_answers(
    api, settings, page_cache, project, moment
):
    settings.API_RATE_LIMIT = 2
    with time_machine.travel(moment, tick=False):
        statuses = [api.get("/api/v1/projects/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_rate_limit_covers_the_docs_and_the_document(client, settings, moment):
    settings.API_RATE_LIMIT = 1
    with time_machine.travel(moment, tick=False):
        statuses = [
            client.get(url).status_code for url in ("/api/v1/docs/", "/api/v1/openapi.json")
        ]

    assert statuses == [200, 429]


@pytest.fixture
def redis_down():
    cache = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=cache):
        yield
    caches["default"].close()


def test_requests_are_answered_while_redis_is_down(api, settings, redis_down, project):
    settings.API_RATE_LIMIT = 1

    statuses = [api.get("/api/v1/projects/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
