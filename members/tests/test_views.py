import re

import pytest
from django.contrib.messages import get_messages
from django.template import PartialTemplate
from django.urls import reverse
from django.utils.cache import has_vary_header

from members.enums import InstitutionStatus, MembershipRole, MembershipSource, MembershipStatus
from members.models import Institution, Membership
from members.tests.factories import (
    CompetenceFactory,
    InstitutionCompetenceFactory,
    InstitutionFactory,
    MembershipFactory,
    PersonCompetenceFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _template(response) -> str:
    """The name of the template (or template#partial) the view rendered."""
    template = response.templates[0]
    if isinstance(template, PartialTemplate):
        return f"{template.origin.template_name}#{template.name}"
    return template.name


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _login_redirect(url: str) -> str:
    return f"{reverse('account_login')}?next={url}"


@pytest.fixture
def other_institution(db):
    return InstitutionFactory(name="ETH Zürich", short_name="ETH", slug="eth", domains=["ethz.ch"])


@pytest.fixture
def other_representative(other_institution):
    return RepresentativeFactory(institution=other_institution).person


@pytest.fixture
def pending(institution):
    return MembershipFactory(
        institution=institution,
        status=MembershipStatus.PENDING,
        source=MembershipSource.REQUEST,
        message="I run the robotics lab.",
        person__display_name="Lena Maier",
    )


def _institution_data(institution: Institution | None = None, **overrides) -> dict:
    data = {
        "name": "ETH Zürich",
        "short_name": "ETH",
        "slug": "eth",
        "kind": "university",
        "country": "CH",
        "city": "Zürich",
        "website": "https://ethz.ch",
        "description": "Research university.",
        "capacity": "4",
        "domains": "ethz.ch\ninf.ethz.ch",
        "status": "member",
    }
    if institution is not None:
        data.update(
            name=institution.name,
            short_name=institution.short_name,
            slug=institution.slug,
            kind=institution.kind,
            country=institution.country.code,
            city=institution.city,
            website=institution.website,
            description=institution.description,
            capacity=str(institution.capacity),
            domains="\n".join(institution.domains.values_list("domain", flat=True)),
            status=institution.status,
        )
    data.update(overrides)
    return data


# Directory ------------------------------------------------------------------------------


def _names(response) -> list[str]:
    return [institution.name for institution in response.context["page_obj"]]


def test_institution_list_shows_member_institutions_to_visitor(client, institution):
    InstitutionFactory(name="Applicant Inc", status=InstitutionStatus.APPLICANT)
    InstitutionFactory(name="Suspended AG", status=InstitutionStatus.SUSPENDED)
    InstitutionFactory(name="CERN", kind="research_institute", country="CH", founding_member=True)

    response = client.get(reverse("members:institution_list"))

    assert _template(response) == "members/institution_list.html"
    assert _names(response) == ["CERN", "Technical University of Munich"]
    assert "Founding member" in response.text
    assert reverse("members:institution_create") not in response.text


def test_institution_list_shows_every_institution_to_coordinator(client, institution, coordinator):
    InstitutionFactory(name="Suspended AG", status=InstitutionStatus.SUSPENDED)
    client.force_login(coordinator)

    response = client.get(reverse("members:institution_list"))

    assert _names(response) == ["Suspended AG", "Technical University of Munich"]
    assert reverse("members:institution_create") in response.text


def test_institution_list_shows_row_details(client, institution, researcher, representative):
    for name, level in [("Robotics", 1), ("Open models", 3), ("Data", 2), ("Policy", 2)]:
        InstitutionCompetenceFactory(
            institution=institution, competence=CompetenceFactory(name=name), level=level
        )
    MembershipFactory(institution=institution, status=MembershipStatus.PENDING)

    response = client.get(reverse("members:institution_list"))

    row = response.context["page_obj"][0]
    assert row.active_people == 2
    assert [item.competence.name for item in row.competence_list[:3]] == [
        "Open models",
        "Data",
        "Policy",
    ]
    assert "2 people" in response.text
    assert "Munich," in response.text


def test_institution_list_searches_name_city_and_description(client, institution):
    InstitutionFactory(name="CERN", city="Geneva", description="Particle physics")

    by_city = client.get(reverse("members:institution_list"), {"q": "genev"})
    by_description = client.get(reverse("members:institution_list"), {"q": "PARTICLE"})
    by_short_name = client.get(reverse("members:institution_list"), {"q": "TUM"})

    assert _names(by_city) == ["CERN"]
    assert _names(by_description) == ["CERN"]
    assert _names(by_short_name) == ["Technical University of Munich"]


def test_institution_list_filters_by_kind_country_and_competence(client, institution):
    robotics = CompetenceFactory(name="Robotics", slug="robotics")
    cern = InstitutionFactory(name="CERN", kind="research_institute", country="CH")
    InstitutionFactory(name="Meta", kind="company", country="US")
    InstitutionCompetenceFactory(institution=cern, competence=robotics)
    url = reverse("members:institution_list")

    assert _names(client.get(url, {"kind": "research_institute"})) == ["CERN"]
    assert _names(client.get(url, {"country": "US"})) == ["Meta"]
    assert _names(client.get(url, {"competence": "robotics"})) == ["CERN"]
    assert _names(client.get(url, {"kind": "university", "country": "CH"})) == []


def test_institution_list_offers_only_countries_that_occur(client, institution):
    InstitutionFactory(name="CERN", country="CH")
    InstitutionFactory(name="Hidden", country="FR", status=InstitutionStatus.SUSPENDED)

    response = client.get(reverse("members:institution_list"))

    assert response.context["form"].fields["country"].choices == [
        ("", "All countries"),
        ("DE", "Germany"),
        ("CH", "Switzerland"),
    ]


def test_institution_list_with_unknown_filter_value_shows_error_and_all_rows(client, institution):
    response = client.get(reverse("members:institution_list"), {"country": "FR", "kind": "x"})

    assert _names(response) == ["Technical University of Munich"]
    assert response.context["form"].errors == {
        "kind": ["Select a valid choice. x is not one of the available choices."],
        "country": ["Select a valid choice. FR is not one of the available choices."],
    }


def test_institution_list_with_no_match_shows_empty_state(client, institution):
    response = client.get(reverse("members:institution_list"), {"q": "nothing like it"})

    assert _names(response) == []
    assert "No institution matches your search." in response.text


def test_institution_list_htmx_returns_results_partial(client, institution):
    InstitutionFactory(name="CERN", country="CH")

    response = client.get(reverse("members:institution_list"), {"country": "CH"}, headers=HTMX)

    assert _template(response) == "members/institution_list.html#results"
    assert response.text.lstrip().startswith('<p class="results-count">')
    assert "<html" not in response.text
    assert _names(response) == ["CERN"]
    assert response.headers["Vary"] == "HX-Request, Accept-Language, Cookie"


def test_institution_list_htmx_history_restore_returns_whole_page(client, institution):
    response = client.get(
        reverse("members:institution_list"),
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    )

    assert _template(response) == "members/institution_list.html"
    assert "<html" in response.text


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("route", "row"),
    [
        ("members:institution_list", None),
        ("members:membership_approve", "pending"),
        ("members:membership_decline", "pending"),
        ("members:membership_end", "researcher"),
        ("members:membership_set_role", "researcher"),
    ],
)
def test_view_answering_htmx_varies_on_hx_request(
    client, representative, pending, researcher, route, row, headers
):
    client.force_login(representative)

    if row is None:
        response = client.get(reverse(route), headers=headers)
    else:
        membership = pending if row == "pending" else researcher.memberships.get()
        response = client.post(
            reverse(route, args=[membership.pk]),
            {"role": "representative", "layout": "people", "next": _people_url()},
            headers=headers,
        )

    assert response.status_code == (302 if row and not headers else 200)
    assert has_vary_header(response, "HX-Request")


def test_institution_list_filter_form_works_with_and_without_javascript(client, institution):
    response = client.get(reverse("members:institution_list"))

    url = reverse("members:institution_list")
    assert f'<form method="get"\n            action="{url}"' in response.text
    assert f'hx-get="{url}"' in response.text
    assert 'hx-target="#results"' in response.text
    assert 'hx-push-url="true"' in response.text
    assert '<button type="submit">Apply</button>' in response.text


def test_institution_list_paginates(client, institution):
    for number in range(25):
        InstitutionFactory(name=f"Zeta {number:02}")

    first = client.get(reverse("members:institution_list"))
    second = client.get(reverse("members:institution_list"), {"page": "2"})

    assert len(_names(first)) == 24
    assert _names(second) == ["Zeta 23", "Zeta 24"]
    assert 'href="/institutions/?page=2"' in first.text
    assert 'hx-get="/institutions/?page=2"' in first.text


# Institution page -----------------------------------------------------------------------


def test_institution_detail_shows_profile_competences_and_people_to_visitor(
    client, institution, representative, researcher
):
    InstitutionCompetenceFactory(
        institution=institution, competence=CompetenceFactory(name="Robotics"), level=3
    )
    MembershipFactory(
        institution=institution, status=MembershipStatus.PENDING, person__display_name="Waiting"
    )

    response = client.get(reverse("members:institution_detail", args=["tum"]))

    assert _template(response) == "members/institution_detail.html"
    assert response.context["institution"] == institution
    assert [m.person for m in response.context["people"]] == [representative, researcher]
    assert "Robotics" in response.text
    assert "Leading" in response.text
    assert "tum.de" in response.text
    assert "Waiting" not in response.text
    assert response.text.count('<span class="badge badge--primary">Representative</span>') == 1
    assert (response.context["can_edit"], response.context["can_set_status"]) == (False, False)
    assert reverse("members:institution_edit", args=["tum"]) not in response.text


def test_institution_detail_links_representative_to_edit_and_people(
    client, institution, representative, pending
):
    client.force_login(representative)

    response = client.get(reverse("members:institution_detail", args=["tum"]))

    assert (response.context["can_edit"], response.context["can_manage"]) == (True, True)
    assert response.context["pending_count"] == 1
    assert reverse("members:institution_edit", args=["tum"]) in response.text
    assert reverse("members:institution_people", args=["tum"]) in response.text
    assert reverse("members:institution_set_status", args=["tum"]) not in response.text


def test_institution_detail_gives_coordinator_status_buttons(client, institution, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("members:institution_detail", args=["tum"]))

    assert response.context["can_set_status"] is True
    assert response.text.count(reverse("members:institution_set_status", args=["tum"])) == 1
    assert '<input type="hidden" name="status" value="suspended">' in response.text


def test_institution_detail_of_suspended_institution_is_404_for_visitor(client, institution):
    institution.status = InstitutionStatus.SUSPENDED
    institution.save()

    response = client.get(reverse("members:institution_detail", args=["tum"]))

    assert response.status_code == 404


def test_institution_detail_of_suspended_institution_is_shown_to_its_people_and_staff(
    client, institution, researcher, coordinator
):
    institution.status = InstitutionStatus.SUSPENDED
    institution.save()

    client.force_login(researcher)
    as_researcher = client.get(reverse("members:institution_detail", args=["tum"]))
    client.force_login(coordinator)
    as_coordinator = client.get(reverse("members:institution_detail", args=["tum"]))

    assert as_researcher.context["institution"] == institution
    assert as_coordinator.context["institution"] == institution
    assert '<span class="badge badge--warning">Suspended</span>' in as_coordinator.text


def test_institution_detail_of_unknown_slug_is_404(client, db):
    response = client.get(reverse("members:institution_detail", args=["nowhere"]))

    assert response.status_code == 404


# Creating and editing institutions ------------------------------------------------------


def test_institution_create_renders_form_with_coordinator_fields(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("members:institution_create"))

    assert _template(response) == "members/institution_form.html"
    assert [f.name for f in response.context["form"].coordinator_fields()] == [
        "founding_member",
        "status",
        "trusts_email_domains",
    ]


def test_institution_create_saves_institution_and_redirects(client, coordinator):
    robotics = CompetenceFactory(name="Robotics")
    client.force_login(coordinator)

    response = client.post(
        reverse("members:institution_create"),
        _institution_data(founding_member="on", **{f"competence_{robotics.pk}": "3"}),
    )

    institution = Institution.objects.get(slug="eth")
    assert response.url == institution.get_absolute_url()
    assert (institution.name, institution.country.code, institution.founding_member) == (
        "ETH Zürich",
        "CH",
        True,
    )
    assert sorted(institution.domains.values_list("domain", flat=True)) == [
        "ethz.ch",
        "inf.ethz.ch",
    ]
    assert list(institution.competences.values_list("competence__name", "level")) == [
        ("Robotics", 3)
    ]
    assert _messages(response) == ["ETH Zürich was created."]


@pytest.mark.parametrize("user", [None, "researcher", "representative"])
def test_institution_create_by_non_coordinator_is_404(client, request, institution, user):
    if user:
        client.force_login(request.getfixturevalue(user))

    get = client.get(reverse("members:institution_create"))
    post = client.post(reverse("members:institution_create"), _institution_data())

    assert (get.status_code, post.status_code) == (404, 404)
    assert Institution.objects.filter(slug="eth").exists() is False


def test_institution_create_with_claimed_domain_names_owner_and_changes_nothing(
    client, institution, coordinator
):
    client.force_login(coordinator)

    response = client.post(
        reverse("members:institution_create"), _institution_data(domains="ethz.ch\ntum.de")
    )

    assert response.context["form"].errors == {
        "domains": ["The domain tum.de already belongs to Technical University of Munich."]
    }
    assert "already belongs to Technical University of Munich" in response.text
    assert Institution.objects.filter(slug="eth").exists() is False


def test_institution_create_with_invalid_domain_explains_and_changes_nothing(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("members:institution_create"), _institution_data(domains="ethz.ch\nnot a domain")
    )

    assert response.context["form"].errors == {
        "domains": ["not a domain: Enter a domain such as tum.de, without @ or www."]
    }
    assert Institution.objects.count() == 0


def test_institution_edit_renders_form_without_coordinator_fields_for_representative(
    client, institution, representative
):
    InstitutionCompetenceFactory(institution=institution, competence=CompetenceFactory(), level=1)
    client.force_login(representative)

    response = client.get(reverse("members:institution_edit", args=["tum"]))

    form = response.context["form"]
    assert _template(response) == "members/institution_form.html"
    assert form.coordinator_fields() == []
    assert "founding_member" not in response.text
    assert form.initial["domains"] == "tum.de"
    assert [field.initial for _area, fields in form.competence_groups() for field in fields] == [1]


def test_institution_edit_by_representative_saves_profile(client, institution, representative):
    data_competence = CompetenceFactory(name="Data")
    client.force_login(representative)

    response = client.post(
        reverse("members:institution_edit", args=["tum"]),
        _institution_data(
            institution,
            city="Garching",
            domains="tum.de\nmytum.de",
            founding_member="on",
            status="suspended",
            **{f"competence_{data_competence.pk}": "2"},
        ),
    )

    institution.refresh_from_db()
    assert response.url == institution.get_absolute_url()
    assert institution.city == "Garching"
    # Coordinator-only fields are not in a representative's form, so they stay as they were.
    assert (institution.founding_member, institution.status) == (False, InstitutionStatus.MEMBER)
    assert sorted(institution.domains.values_list("domain", flat=True)) == ["mytum.de", "tum.de"]
    assert list(institution.competences.values_list("competence__name", "level")) == [("Data", 2)]


def test_institution_edit_by_coordinator_changes_coordinator_fields(
    client, institution, coordinator
):
    client.force_login(coordinator)

    client.post(
        reverse("members:institution_edit", args=["tum"]),
        _institution_data(institution, founding_member="on", status="applicant"),
    )

    institution.refresh_from_db()
    assert (institution.founding_member, institution.status) == (True, InstitutionStatus.APPLICANT)


def test_institution_edit_with_claimed_domain_names_owner_and_changes_nothing(
    client, institution, representative, other_institution
):
    client.force_login(representative)

    response = client.post(
        reverse("members:institution_edit", args=["tum"]),
        _institution_data(institution, city="Garching", domains="tum.de\nethz.ch"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "domains": ["The domain ethz.ch already belongs to ETH Zürich."]
    }
    # The page header keeps the saved name while the form shows what was typed.
    assert response.context["institution"].city == "Munich"
    institution.refresh_from_db()
    assert institution.city == "Munich"
    assert list(institution.domains.values_list("domain", flat=True)) == ["tum.de"]
    assert list(other_institution.domains.values_list("domain", flat=True)) == ["ethz.ch"]


def test_institution_edit_with_duplicate_name_explains_and_changes_nothing(
    client, institution, representative, other_institution
):
    client.force_login(representative)

    response = client.post(
        reverse("members:institution_edit", args=["tum"]),
        _institution_data(institution, name="ETH Zürich"),
    )

    assert response.context["form"].errors == {
        "name": ["Institution with this Name already exists."]
    }
    institution.refresh_from_db()
    assert institution.name == "Technical University of Munich"


def test_institution_edit_of_other_institution_is_404(
    client, institution, representative, other_institution
):
    client.force_login(representative)

    get = client.get(reverse("members:institution_edit", args=["eth"]))
    post = client.post(
        reverse("members:institution_edit", args=["eth"]),
        _institution_data(other_institution, city="Basel"),
    )

    assert (get.status_code, post.status_code) == (404, 404)
    other_institution.refresh_from_db()
    assert other_institution.city == "Munich"


def test_institution_edit_by_researcher_is_404(client, institution, researcher):
    client.force_login(researcher)

    response = client.get(reverse("members:institution_edit", args=["tum"]))

    assert response.status_code == 404


# Institution status ---------------------------------------------------------------------


def test_institution_set_status_by_coordinator_suspends(client, institution, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("members:institution_set_status", args=["tum"]), {"status": "suspended"}
    )

    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.SUSPENDED
    assert response.url == institution.get_absolute_url()
    assert _messages(response) == ["Technical University of Munich is now suspended."]


def test_institution_set_status_with_invalid_status_changes_nothing(
    client, institution, coordinator
):
    client.force_login(coordinator)

    response = client.post(
        reverse("members:institution_set_status", args=["tum"]), {"status": "gone"}
    )

    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.MEMBER
    assert _messages(response) == ["Choose a valid status."]


@pytest.mark.parametrize("user", [None, "researcher", "representative"])
def test_institution_set_status_by_non_coordinator_is_404(client, request, institution, user):
    if user:
        client.force_login(request.getfixturevalue(user))

    response = client.post(
        reverse("members:institution_set_status", args=["tum"]), {"status": "suspended"}
    )

    assert response.status_code == 404
    institution.refresh_from_db()
    assert institution.status == InstitutionStatus.MEMBER


def test_institution_set_status_needs_post(client, institution, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("members:institution_set_status", args=["tum"]))

    assert response.status_code == 405


# People page ----------------------------------------------------------------------------


def test_institution_people_shows_pending_and_active_people_to_representative(
    client, institution, representative, researcher, pending
):
    client.force_login(representative)

    response = client.get(reverse("members:institution_people", args=["tum"]))

    assert _template(response) == "members/institution_people.html"
    assert list(response.context["pending"]) == [pending]
    assert [m.person for m in response.context["people"]] == [representative, researcher]
    assert "I run the robotics lab." in response.text
    assert "Request" in response.text
    assert reverse("members:membership_approve", args=[pending.pk]) in response.text
    assert reverse("members:membership_decline", args=[pending.pk]) in response.text
    membership = researcher.memberships.get()
    assert reverse("members:membership_end", args=[membership.pk]) in response.text
    assert reverse("members:membership_set_role", args=[membership.pk]) in response.text


def test_institution_people_is_shown_to_coordinator(client, institution, coordinator, pending):
    client.force_login(coordinator)

    response = client.get(reverse("members:institution_people", args=["tum"]))

    assert list(response.context["pending"]) == [pending]


@pytest.mark.parametrize("user", [None, "researcher", "other_representative"])
def test_institution_people_for_others_is_404(client, request, institution, user):
    if user:
        client.force_login(request.getfixturevalue(user))

    response = client.get(reverse("members:institution_people", args=["tum"]))

    assert response.status_code == 404


# Deciding on affiliations ---------------------------------------------------------------


def _people_url() -> str:
    return reverse("members:institution_people", args=["tum"])


def test_membership_approve_redirects_back_with_message(client, representative, pending):
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_approve", args=[pending.pk]),
        {"next": _people_url(), "layout": "people"},
    )

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (MembershipStatus.ACTIVE, representative)
    assert response.url == _people_url()
    assert _messages(response) == [
        "Lena Maier is now a researcher at Technical University of Munich."
    ]


def test_membership_approve_with_htmx_returns_the_updated_row(client, representative, pending):
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_approve", args=[pending.pk]),
        {"next": _people_url(), "layout": "people"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert _template(response) == "members/institution_people.html#membership_row"
    assert response.text.lstrip().startswith(f'<li id="membership-{pending.pk}">')
    assert '<span class="badge badge--success">Active</span>' in response.text
    assert reverse("members:membership_end", args=[pending.pk]) in response.text
    assert '<div id="messages" class="messages" aria-live="polite" hx-swap-oob="true">' in (
        response.text
    )
    assert "Lena Maier is now a researcher at Technical University of Munich." in response.text


@pytest.mark.parametrize(
    ("layout", "next_url", "before", "after"),
    [
        (
            "inbox",
            "/representative/",
            "2 affiliations are waiting for a decision.",
            "1 affiliation is waiting for a decision.",
        ),
        ("people", "/institutions/tum/people/", "(2)", "(1)"),
    ],
)
def test_membership_approve_with_htmx_updates_the_pending_count(
    client, representative, pending, institution, layout, next_url, before, after
):
    MembershipFactory(institution=institution, status=MembershipStatus.PENDING)
    client.force_login(representative)
    page = client.get(next_url)

    response = client.post(
        reverse("members:membership_approve", args=[pending.pk]),
        {"next": next_url, "layout": layout},
        headers=HTMX,
    )

    count = re.compile(r'<(?:p|span)[^>]*id="pending-count"([^>]*)>\s*(.*?)\s*</', re.S)
    assert [text for _attributes, text in count.findall(page.text)] == [before]
    assert count.findall(response.text) == [(_OOB[layout], after)]


_OOB = {
    "inbox": '\n     aria-live="polite"\n     hx-swap-oob="true"',
    "people": ' hx-swap-oob="true"',
}


def test_membership_approve_ignores_a_foreign_next_url(client, representative, pending):
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_approve", args=[pending.pk]),
        {"next": "https://evil.example/"},
    )

    assert response.url == _people_url()


def test_membership_approve_of_decided_membership_shows_error(client, representative, pending):
    pending.status = MembershipStatus.DECLINED
    pending.save()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_approve", args=[pending.pk]), {"next": _people_url()}
    )

    pending.refresh_from_db()
    assert pending.status == MembershipStatus.DECLINED
    assert _messages(response) == ["This affiliation was already declined."]


def test_membership_decline_declines(client, representative, pending):
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_decline", args=[pending.pk]), {"next": _people_url()}
    )

    pending.refresh_from_db()
    assert pending.status == MembershipStatus.DECLINED
    assert _messages(response) == [
        "The affiliation of Lena Maier with Technical University of Munich was declined."
    ]


@pytest.mark.parametrize("action", ["membership_approve", "membership_decline"])
def test_membership_decision_at_other_institution_is_404(
    client, other_representative, pending, action
):
    client.force_login(other_representative)

    response = client.post(reverse(f"members:{action}", args=[pending.pk]))

    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING


@pytest.mark.parametrize("user", [None, "researcher"])
def test_membership_approve_without_permission_is_404(client, request, pending, user):
    if user:
        client.force_login(request.getfixturevalue(user))

    response = client.post(reverse("members:membership_approve", args=[pending.pk]))

    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING


def test_membership_approve_by_the_requester_is_404(client, pending):
    client.force_login(pending.person)

    response = client.post(reverse("members:membership_approve", args=[pending.pk]))

    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING


def test_membership_approve_needs_post(client, representative, pending):
    client.force_login(representative)

    response = client.get(reverse("members:membership_approve", args=[pending.pk]))

    assert response.status_code == 405


# Ending affiliations and changing roles ------------------------------------------------


def test_membership_end_by_representative(client, representative, researcher):
    membership = researcher.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_end", args=[membership.pk]), {"next": _people_url()}
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert response.url == _people_url()


def test_membership_end_of_own_affiliation_leaves(client, researcher):
    membership = researcher.memberships.get()
    client.force_login(researcher)

    response = client.post(
        reverse("members:membership_end", args=[membership.pk]),
        {"next": reverse("members:my_affiliations"), "layout": "mine"},
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert response.url == reverse("members:my_affiliations")


def test_membership_end_of_own_affiliation_with_htmx_returns_my_row(client, researcher):
    membership = researcher.memberships.get()
    client.force_login(researcher)

    response = client.post(
        reverse("members:membership_end", args=[membership.pk]),
        {"next": reverse("members:my_affiliations"), "layout": "mine"},
        headers=HTMX,
    )

    assert _template(response) == "members/my_affiliations.html#membership_row"
    assert '<span class="badge">Ended</span>' in response.text
    assert reverse("members:membership_end", args=[membership.pk]) not in response.text


def test_membership_end_of_last_representative_is_refused(client, representative):
    membership = representative.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_end", args=[membership.pk]), {"next": _people_url()}
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert response.url == _people_url()
    assert _messages(response) == [
        f"{representative} is the last representative of Technical University of Munich. "
        "Make someone else a representative first."
    ]


def test_membership_end_of_last_representative_with_htmx_returns_unchanged_row_and_error(
    client, representative
):
    membership = representative.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_end", args=[membership.pk]),
        {"next": _people_url(), "layout": "people"},
        headers=HTMX,
    )

    assert _template(response) == "members/institution_people.html#membership_row"
    assert '<span class="badge badge--success">Active</span>' in response.text
    assert '<p class="message message--error" role="status">' in response.text
    assert "is the last representative of Technical University of Munich." in response.text


def test_membership_end_at_other_institution_is_404(client, other_representative, researcher):
    membership = researcher.memberships.get()
    client.force_login(other_representative)

    response = client.post(reverse("members:membership_end", args=[membership.pk]))

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_membership_end_of_colleague_by_researcher_is_404(client, institution, researcher):
    colleague = MembershipFactory(institution=institution)
    client.force_login(researcher)

    response = client.post(reverse("members:membership_end", args=[colleague.pk]))

    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.status == MembershipStatus.ACTIVE


def test_membership_set_role_makes_representative(client, representative, researcher):
    membership = researcher.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_set_role", args=[membership.pk]),
        {"role": "representative", "next": _people_url()},
    )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.REPRESENTATIVE
    assert response.url == _people_url()


def test_membership_set_role_with_htmx_returns_row_with_opposite_button(
    client, representative, researcher
):
    membership = researcher.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_set_role", args=[membership.pk]),
        {"role": "representative", "next": _people_url(), "layout": "people"},
        headers=HTMX,
    )

    assert _template(response) == "members/institution_people.html#membership_row"
    assert '<input type="hidden" name="role" value="researcher">' in response.text
    assert '<span class="badge badge--primary">Representative</span>' in response.text


def test_membership_set_role_demoting_last_representative_is_refused(client, representative):
    membership = representative.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_set_role", args=[membership.pk]),
        {"role": "researcher", "next": _people_url()},
    )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.REPRESENTATIVE
    assert _messages(response) == [
        f"{representative} is the last representative of Technical University of Munich."
    ]


def test_membership_set_role_with_invalid_role_changes_nothing(client, representative, researcher):
    membership = researcher.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_set_role", args=[membership.pk]),
        {"role": "boss", "next": _people_url()},
    )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.RESEARCHER
    assert _messages(response) == ["Choose a valid role."]


@pytest.mark.parametrize("user", ["researcher", "other_representative"])
def test_membership_set_role_without_permission_is_404(client, request, institution, user):
    colleague = MembershipFactory(institution=institution)
    client.force_login(request.getfixturevalue(user))

    response = client.post(
        reverse("members:membership_set_role", args=[colleague.pk]), {"role": "representative"}
    )

    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.role == MembershipRole.RESEARCHER


# Inbox ----------------------------------------------------------------------------------


def test_representative_inbox_lists_pending_at_represented_institutions(
    client, representative, pending, other_institution
):
    MembershipFactory(institution=other_institution, status=MembershipStatus.PENDING)
    client.force_login(representative)

    response = client.get(reverse("members:representative_inbox"))

    assert _template(response) == "members/representative_inbox.html"
    assert list(response.context["page_obj"]) == [pending]
    assert "I run the robotics lab." in response.text
    assert reverse("members:membership_approve", args=[pending.pk]) in response.text
    assert '<input type="hidden" name="layout" value="inbox">' in response.text


def test_representative_inbox_lists_everything_for_coordinator(
    client, coordinator, pending, other_institution
):
    elsewhere = MembershipFactory(institution=other_institution, status=MembershipStatus.PENDING)
    client.force_login(coordinator)

    response = client.get(reverse("members:representative_inbox"))

    assert list(response.context["page_obj"]) == [pending, elsewhere]


def test_representative_inbox_is_empty_for_researcher(client, researcher, pending):
    client.force_login(researcher)

    response = client.get(reverse("members:representative_inbox"))

    assert list(response.context["page_obj"]) == []
    assert "Nothing is waiting for you." in response.text


def test_representative_inbox_requires_login(client):
    response = client.get(reverse("members:representative_inbox"))

    assert response.url == _login_redirect(reverse("members:representative_inbox"))


def test_inbox_approve_with_htmx_returns_inbox_row(client, representative, pending):
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_approve", args=[pending.pk]),
        {"next": reverse("members:representative_inbox"), "layout": "inbox"},
        headers=HTMX,
    )

    assert _template(response) == "members/institution_people.html#membership_row"
    assert '<a href="/institutions/tum/">Technical University of Munich</a>' in response.text
    assert '<input type="hidden" name="next" value="/representative/">' in response.text


# People ---------------------------------------------------------------------------------


def test_person_detail_shows_public_profile(client, institution, other_institution):
    person = UserFactory(
        display_name="Lena Maier", bio="Robot learning.", orcid="0000-0002-1825-0097"
    )
    PersonCompetenceFactory(person=person, competence=CompetenceFactory(name="Robotics"), level=3)
    MembershipFactory(person=person, institution=institution)
    MembershipFactory(person=person, institution=other_institution, status=MembershipStatus.PENDING)
    suspended = InstitutionFactory(name="Suspended AG", status=InstitutionStatus.SUSPENDED)
    MembershipFactory(person=person, institution=suspended)

    response = client.get(reverse("members:person_detail", args=[person.pk]))

    assert _template(response) == "members/person_detail.html"
    assert [m.institution for m in response.context["affiliations"]] == [institution]
    assert "<h1>Lena Maier</h1>" in response.text
    assert "Robot learning." in response.text
    assert '<a href="https://orcid.org/0000-0002-1825-0097"' in response.text
    assert "Robotics" in response.text
    assert "ETH Zürich" not in response.text
    assert "Suspended AG" not in response.text
    assert person.email not in response.text


def test_person_detail_of_inactive_user_is_404(client, db):
    person = UserFactory(is_active=False)

    response = client.get(reverse("members:person_detail", args=[person.pk]))

    assert response.status_code == 404


def test_profile_edit_saves_profile_and_competences(client, researcher):
    robotics = CompetenceFactory(name="Robotics")
    client.force_login(researcher)

    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": "Dr. Lena Maier",
            "bio": "Robot learning.",
            "orcid": "https://orcid.org/0000-0002-1825-009x",
            "language": "de",
            "time_zone": "Europe/Berlin",
            f"competence_{robotics.pk}": "2",
        },
    )

    researcher.refresh_from_db()
    assert response.url == researcher.get_absolute_url()
    assert (researcher.display_name, researcher.orcid, researcher.language) == (
        "Dr. Lena Maier",
        "0000-0002-1825-009X",
        "de",
    )
    assert list(researcher.competences.values_list("competence__name", "level")) == [
        ("Robotics", 2)
    ]


def test_profile_edit_with_invalid_orcid_explains_and_changes_nothing(client, researcher):
    name = researcher.display_name
    client.force_login(researcher)

    response = client.post(
        reverse("members:profile_edit"),
        {
            "display_name": "Someone else",
            "orcid": "1234",
            "language": "en",
            "time_zone": "Europe/Berlin",
        },
    )

    assert response.context["form"].errors == {
        "orcid": ["Enter an ORCID iD such as 0000-0002-1825-0097."]
    }
    assert response.context["user"].display_name == name
    researcher.refresh_from_db()
    assert (researcher.display_name, researcher.orcid) == (name, "")


def test_profile_edit_renders_current_competence_levels(client, researcher):
    competence = CompetenceFactory()
    PersonCompetenceFactory(person=researcher, competence=competence, level=3)
    client.force_login(researcher)

    response = client.get(reverse("members:profile_edit"))

    assert _template(response) == "members/profile_form.html"
    assert response.context["form"][f"competence_{competence.pk}"].initial == 3


def test_profile_edit_requires_login(client):
    response = client.get(reverse("members:profile_edit"))

    assert response.url == _login_redirect(reverse("members:profile_edit"))


# My affiliations ------------------------------------------------------------------------


def test_my_affiliations_lists_every_status_and_offers_other_member_institutions(
    client, institution, researcher, other_institution
):
    ended = MembershipFactory(
        person=researcher, institution=other_institution, status=MembershipStatus.ENDED
    )
    InstitutionFactory(name="Suspended AG", status=InstitutionStatus.SUSPENDED)
    client.force_login(researcher)

    response = client.get(reverse("members:my_affiliations"))

    assert _template(response) == "members/my_affiliations.html"
    assert list(response.context["memberships"]) == [
        researcher.memberships.get(status="active"),
        ended,
    ]
    assert list(response.context["form"].fields["institution"].queryset) == [other_institution]
    assert response.text.count(">\n              Leave") == 1


def test_my_affiliations_request_creates_pending_membership(client, institution):
    person = UserFactory()
    client.force_login(person)

    response = client.post(
        reverse("members:my_affiliations"),
        {"institution": institution.pk, "message": "I joined the robotics lab."},
    )

    membership = Membership.objects.get(person=person)
    assert response.url == reverse("members:my_affiliations")
    assert (membership.institution, membership.status, membership.source, membership.message) == (
        institution,
        MembershipStatus.PENDING,
        MembershipSource.REQUEST,
        "I joined the robotics lab.",
    )
    assert _messages(response) == [
        "Your request was sent to the representatives of Technical University of Munich."
    ]


def test_my_affiliations_request_without_message_explains_and_changes_nothing(client, institution):
    person = UserFactory()
    client.force_login(person)

    response = client.post(
        reverse("members:my_affiliations"), {"institution": institution.pk, "message": "  "}
    )

    assert response.context["form"].errors == {"message": ["This field is required."]}
    assert Membership.objects.filter(person=person).count() == 0


def test_my_affiliations_request_with_open_membership_explains_and_changes_nothing(
    client, institution, researcher
):
    client.force_login(researcher)

    response = client.post(
        reverse("members:my_affiliations"), {"institution": institution.pk, "message": "Again"}
    )

    assert response.context["form"].errors == {
        "institution": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert Membership.objects.filter(person=researcher).count() == 1


def test_my_affiliations_requires_login(client):
    response = client.get(reverse("members:my_affiliations"))

    assert response.url == _login_redirect(reverse("members:my_affiliations"))


def test_representative_who_steps_down_gets_a_row_without_management_buttons(
    client, institution, representative
):
    RepresentativeFactory(institution=institution)
    membership = representative.memberships.get()
    client.force_login(representative)

    response = client.post(
        reverse("members:membership_set_role", args=[membership.pk]),
        {"role": "researcher", "next": _people_url(), "layout": "people"},
        headers=HTMX,
    )

    membership.refresh_from_db()
    assert membership.role == MembershipRole.RESEARCHER
    assert response.context["manage"] is False
    assert 'name="role"' not in response.text
