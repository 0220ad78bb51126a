import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_loads_htmx_without_csp_violations(page):
    page.goto("/")

    assert page.title() == "Open AI Alliance · Alliance Hub"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.console_errors == []
