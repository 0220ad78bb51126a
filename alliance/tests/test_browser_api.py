"""The API's docs page in Chromium: Swagger UI runs under the site's CSP and calls the API."""

import pytest

from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_page_renders_and_tries_an_operation_without_csp_violations(page):
    ProposalFactory(title="Open robot hands", slug="open-robot-hands", stage=Stage.DRIVE)

    page.goto("/api/v1/docs/")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert page.title() == "API documentation · Alliance Hub"
    assert operations.count() == 6

    page.locator(".opblock-summary", has_text="/api/v1/projects/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    body = page.locator(".live-responses-table .response-col_description pre").first
    body.wait_for()

    assert "Open robot hands" in body.inner_text()
    assert (
        page.locator(".live-responses-table tr.response .response-col_status").inner_text() == "200"
    )
    assert page.console_errors == []
