"""The coordinators' matrix: which kinds of notification each recipient role receives."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.exceptions import DomainError, NotPermitted
from members.tests.factories import CoordinatorFactory, MembershipFactory
from notifications.audience import MATRIX_CELLS
from notifications.enums import NotificationKind, RecipientRole
from notifications.models import Notification, RoleSetting
from notifications.services import role_settings_update
from notifications.tests.scenarios import build_world
from projects import services
from projects.enums import Stage

K = NotificationKind
R = RecipientRole

pytestmark = pytest.mark.django_db

URL = "/notifications/matrix/"
SUBMITTED_TO_PARTNERS = (K.PROPOSAL_SUBMITTED.value, R.PARTNER.value)


def _boxes(response) -> dict[str, bool]:
    """Every checkbox of the page: its value, and whether it is ticked."""
    page = response.content.decode()
    return {
        value: "checked" in attributes
        for attributes, value in re.findall(
            r'<input type="checkbox"([^>]*value="([^"]+)"[^>]*)>', page
        )
    }


def _all_but(*cells: tuple[str, str]) -> list[str]:
    return [f"{kind}:{role}" for kind, role in sorted(MATRIX_CELLS) if (kind, role) not in cells]


def _settings() -> dict[tuple[str, str], bool]:
    return {(s.kind, s.role): s.enabled for s in RoleSetting.objects.all()}


def test_role_matrix_url():
    assert reverse("notifications:role_matrix") == URL


def test_role_matrix_shows_a_box_for_every_cell_the_audience_can_produce(client):
    client.force_login(CoordinatorFactory())
    RoleSetting.objects.create(kind=K.PROPOSAL_SUBMITTED, role=R.PARTNER, enabled=False)

    response = client.get(URL)

    assert response.templates[0].name == "notifications/role_matrix.html"
    assert _boxes(response) == {
        f"{kind}:{role}": (kind, role) != SUBMITTED_TO_PARTNERS for kind, role in MATRIX_CELLS
    }
    assert [kind for kind, _cells in response.context["rows"]] == list(NotificationKind)


@pytest.mark.parametrize("person", ["researcher", "representative"])
def test_role_matrix_is_hidden_from_everyone_but_coordinators(client, request, person):
    client.force_login(request.getfixturevalue(person))

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"enabled": []}).status_code == 404
    assert RoleSetting.objects.count() == 0


def test_role_matrix_asks_visitors_to_sign_in(client):
    response = client.get(URL)

    assert response.url == f"{reverse('account_login')}?next={URL}"


def test_role_matrix_saves_every_cell(client):
    client.force_login(CoordinatorFactory())

    response = client.post(URL, {"enabled": _all_but(SUBMITTED_TO_PARTNERS)})

    assert response.url == URL
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Who is told of what is saved."
    ]
    assert _settings() == {cell: cell != SUBMITTED_TO_PARTNERS for cell in MATRIX_CELLS}


def test_role_matrix_with_a_cell_nobody_can_be_told_of_changes_nothing(client):
    client.force_login(CoordinatorFactory())

    response = client.post(URL, {"enabled": ["invitation_sent:coordinator"]})

    assert response.context["form"].errors == {
        "enabled": [
            "Select a valid choice. invitation_sent:coordinator is not one of the available "
            "choices."
        ]
    }
    assert RoleSetting.objects.count() == 0


def test_role_matrix_switching_a_cell_off_and_on_again_changes_who_is_told(client):
    world = build_world()
    client.force_login(world.coordinator)
    client.post(URL, {"enabled": _all_but(SUBMITTED_TO_PARTNERS)})
    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)
    first = {(n.recipient, n.role) for n in Notification.objects.select_related("recipient")}

    client.post(URL, {"enabled": _all_but()})
    Notification.objects.all().delete()
    world.at(Stage.DEFINE)
    services.proposal_transition(proposal=world.proposal, to=Stage.REVIEW, actor=world.lead)
    again = {(n.recipient, n.role) for n in Notification.objects.select_related("recipient")}

    assert first == {(world.coordinator, R.COORDINATOR), (world.other_coordinator, R.COORDINATOR)}
    assert again == first | {
        (world.colleague, R.PARTNER),
        (world.partner, R.PARTNER),
        (world.partner_rep, R.PARTNER),
    }


def test_role_settings_update_by_a_researcher_is_refused(researcher):
    with pytest.raises(NotPermitted):
        role_settings_update(actor=researcher, enabled_cells=[])

    assert RoleSetting.objects.count() == 0


def test_role_settings_update_of_a_cell_nobody_can_be_told_of_is_refused():
    with pytest.raises(DomainError) as error:
        role_settings_update(
            actor=CoordinatorFactory(), enabled_cells=[("invitation_sent", "coordinator")]
        )

    assert error.value.message == "Nobody can be told of these: invitation_sent / coordinator."
    assert RoleSetting.objects.count() == 0


def test_role_settings_update_twice_keeps_one_row_per_cell():
    coordinator = CoordinatorFactory()
    role_settings_update(actor=coordinator, enabled_cells=[])

    role_settings_update(actor=coordinator, enabled_cells=[SUBMITTED_TO_PARTNERS])

    assert _settings() == {cell: cell == SUBMITTED_TO_PARTNERS for cell in MATRIX_CELLS}


@pytest.mark.parametrize("switched_off", [1, len(MATRIX_CELLS)])
def test_role_matrix_queries_do_not_grow_with_the_settings(client, switched_off):
    role_settings_update(
        actor=CoordinatorFactory(), enabled_cells=sorted(MATRIX_CELLS)[switched_off:]
    )
    client.force_login(CoordinatorFactory())
    client.get(URL)  # the session's first request writes it

    with CaptureQueriesContext(connection) as queries:
        client.get(URL)

    # session, user, coordinator group, switched-off cells
    assert len(queries) == 4


def test_review_queue_links_coordinators_to_the_matrix(client):
    client.force_login(CoordinatorFactory())

    page = client.get(reverse("projects:review_queue")).content.decode()

    assert f'href="{URL}"' in page


def test_role_matrix_is_no_link_for_researchers(client):
    client.force_login(MembershipFactory().person)

    page = client.get(reverse("dashboard")).content.decode()

    assert URL not in page
