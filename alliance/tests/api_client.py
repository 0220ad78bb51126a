"""A test client for the JSON API that checks every response against the OpenAPI document."""

from __future__ import annotations

import functools

from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse


@functools.cache
def openapi() -> OpenAPI:
    """The OpenAPI document the API serves, itself checked as OpenAPI 3.1 when it is read."""
    # Read outside any test's rate limit: it would count against the test's own requests.
    with override_settings(API_RATE_LIMIT=0):
        document = Client().get(reverse("api:openapi-json")).json()
    return OpenAPI.from_dict(document)


class ApiClient:
    """GETs through Django's test client; each answer must be one the document describes."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.responses: list[HttpResponse] = []

    def get(self, path: str, data: dict | None = None, **extra) -> HttpResponse:
        response = self.client.get(path, data, **extra)
        # Its status, content type and body against the operation's declared responses.
        openapi().validate_response(
            DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
        )
        self.responses.append(response)
        return response
