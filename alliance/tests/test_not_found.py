"""A visitor cannot tell what does not exist from what they may not see."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from core.http import login_url_back_here
from projects.enums import Stage, Visibility
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"[A-Za-z0-9]{64}")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def _body(response, path: str) -> str:
    # The CSRF token differs per request, the requested path is the page's own address.
    html = TOKEN.sub("TOKEN", response.content.decode())
    return html.replace(quote(path, safe=""), "PATH").replace(path, "PATH")


def test_confidential_and_missing_proposal_answer_the_same_404_with_sign_in(production):
    proposal = ProposalFactory(
        title="Zanzibarquill secret", stage=Stage.REVIEW, visibility=Visibility.CONFIDENTIAL
    )
    hidden_path = proposal.get_absolute_url()
    hidden = production.get(hidden_path)
    proposal.delete()
    gone = production.get(hidden_path)
    other_path = reverse("projects:proposal_detail", args=["never-was-here"])
    missing = production.get(other_path)

    assert (hidden.status_code, gone.status_code, missing.status_code) == (404, 404, 404)
    assert TOKEN.sub("TOKEN", hidden.content.decode()) == TOKEN.sub("TOKEN", gone.content.decode())
    assert _body(hidden, hidden_path) == _body(missing, other_path)
    html = hidden.content.decode()
    assert "Zanzibarquill" not in html
    assert "Traceback" not in html
    login = reverse("account_login")
    assert f'href="{login}?next=%2Fproposals%2F{proposal.slug}%2F"' in html
    assert "Page not found" in html


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/proposals/x/?page=2", "/accounts/login/?next=%2Fproposals%2Fx%2F%3Fpage%3D2"),
        ("//elsewhere.example/", "/accounts/login/"),
    ],
)
def test_sign_in_link_carries_next_only_when_it_stays_on_the_site(rf, path, expected):
    request = rf.get("/")
    request.path = path.split("?")[0]
    request.META["QUERY_STRING"] = path.partition("?")[2]

    assert login_url_back_here(request) == expected


def test_signed_in_user_gets_a_link_home_instead_of_sign_in(production, researcher):
    production.force_login(researcher)
    proposal = ProposalFactory(stage=Stage.DRAFT)

    response = production.get(proposal.get_absolute_url())

    assert response.status_code == 404
    html = response.content.decode()
    assert "Go to the home page" in html
    assert "?next=" not in html


def test_server_error_page_renders_without_a_request(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = get_template("500.html").render({})

    assert "Something went wrong" in html
    assert 'href="/"' in html
