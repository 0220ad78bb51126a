"""What a notification email says: subject, language, links, headers, the way out."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import resolve

from members.tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from notifications.emails import render_email
from notifications.enums import Category, NotificationKind, RecipientRole
from notifications.tests.factories import NotificationFactory, OutboxEventFactory
from notifications.unsubscribe import unsubscribe_read
from projects.enums import Stage
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def _notifications(*kinds, recipient=None, proposal=None, action_required=False):
    recipient = recipient or UserFactory(display_name="Lena Maier")
    proposal = proposal or ProposalFactory(title="Open robot model", stage=Stage.REVIEW)
    return [
        NotificationFactory(
            recipient=recipient, proposal=proposal, kind=kind, action_required=action_required
        )
        for kind in kinds
    ]


def test_email_subject_names_the_proposal_its_stage_and_the_change():
    notifications = _notifications(NotificationKind.PROPOSAL_SUBMITTED)

    message = render_email(
        recipient=notifications[0].recipient, notifications=notifications, delivery_ids=[1]
    )

    assert message.subject == "Open robot model (Review): Proposal submitted for review"


def test_email_subject_puts_action_required_first_when_an_item_needs_the_reader():
    notifications = _notifications(NotificationKind.PROPOSAL_SUBMITTED)
    notifications += _notifications(
        NotificationKind.REVIEWER_ASSIGNED,
        recipient=notifications[0].recipient,
        proposal=notifications[0].proposal,
        action_required=True,
    )

    message = render_email(
        recipient=notifications[0].recipient, notifications=notifications, delivery_ids=[1, 2]
    )

    assert message.subject == "Action required: Open robot model (Review): 2 updates"
    assert message.body.count("Your action is needed.") == 1


def test_email_is_written_in_the_readers_language():
    reader = UserFactory(display_name="Lena Maier", language="de")
    notifications = _notifications(
        NotificationKind.REVIEWER_ASSIGNED, recipient=reader, action_required=True
    )

    message = render_email(recipient=reader, notifications=notifications, delivery_ids=[1])

    assert message.subject.startswith("Handlung erforderlich: Open robot model (")
    assert message.body.splitlines()[:3] == [
        "Hallo Lena Maier,",
        "",
        "Das ist geschehen. Einiges davon wartet auf Sie.",
    ]
    assert "Ihre Handlung ist nötig." in message.body
    assert '<html lang="de">' in message.alternatives[0].content


def test_email_links_each_item_the_proposal_and_the_preferences_page_absolutely(settings):
    settings.SITE_URL = "https://hub.alliance.example"
    notifications = _notifications(NotificationKind.PROPOSAL_SUBMITTED)
    notifications[0].url = "/reviews/7/"

    message = render_email(
        recipient=notifications[0].recipient, notifications=notifications, delivery_ids=[1]
    )

    proposal_url = f"https://hub.alliance.example{notifications[0].proposal.get_absolute_url()}"
    html_links = Links(message.alternatives[0].content).hrefs
    assert html_links[:3] == [
        proposal_url,
        "https://hub.alliance.example/reviews/7/",
        "https://hub.alliance.example/notifications/preferences/",
    ]
    lines = message.body.splitlines()
    assert proposal_url in lines
    assert "  https://hub.alliance.example/reviews/7/" in lines
    assert "https://hub.alliance.example/notifications/preferences/" in lines


def test_email_offers_one_click_unsubscribe_from_its_categories(settings):
    settings.SITE_URL = "https://hub.alliance.example"
    notifications = _notifications(
        NotificationKind.PROPOSAL_SUBMITTED, NotificationKind.INVITATION_ACCEPTED
    )
    reader = notifications[0].recipient

    message = render_email(recipient=reader, notifications=notifications, delivery_ids=[1, 2])

    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://hub.alliance.example/notifications/unsubscribe/")
    assert header.endswith("/>")
    path = header[len("<https://hub.alliance.example") : -1]
    match = resolve(path)
    assert match.view_name == "notifications:unsubscribe"
    assert unsubscribe_read(match.kwargs["token"]) == (
        reader,
        [Category.MY_PROPOSALS, Category.PARTNERING],
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    footer = message.body.split("\n-- \n")[1]
    assert "Stop emails about “My proposals”:" in footer
    assert "Stop emails about “Partnering”:" in footer


def test_email_message_id_is_the_same_for_the_same_deliveries(settings):
    settings.SITE_URL = "https://hub.alliance.example"
    notifications = _notifications(NotificationKind.PROPOSAL_SUBMITTED)
    reader = notifications[0].recipient

    ids = [
        render_email(recipient=reader, notifications=notifications, delivery_ids=ids).message()[
            "Message-ID"
        ]
        for ids in ([3, 1], [1, 3], [1, 4])
    ]

    assert ids[0] == ids[1] != ids[2]
    assert ids[0].startswith("<notification.")
    assert ids[0].endswith("@hub.alliance.example>")


def test_email_about_an_affiliation_names_the_institution():
    institution = InstitutionFactory(name="Technical University of Munich")
    notification = NotificationFactory(
        proposal=None,
        event__subject=institution,
        institution=institution,
        kind=NotificationKind.AFFILIATION_REQUESTED,
        role=RecipientRole.REPRESENTATIVE,
        action_required=True,
        url="/representative/",
    )

    message = render_email(
        recipient=notification.recipient, notifications=[notification], delivery_ids=[1]
    )

    assert message.subject == (
        "Action required: Technical University of Munich: Affiliation requested"
    )


def test_email_body_keeps_every_link_on_one_line_for_the_console(settings):
    settings.SITE_URL = "https://hub.alliance.example"
    notifications = _notifications(NotificationKind.PROPOSAL_SUBMITTED)
    message = render_email(
        recipient=notifications[0].recipient, notifications=notifications, delivery_ids=[1]
    )

    raw = message.message().as_bytes().decode()

    assert "Content-Transfer-Encoding: quoted-printable" not in raw
    unsubscribe = message.extra_headers["List-Unsubscribe"][1:-1]
    assert f"List-Unsubscribe: <{unsubscribe}>" in raw.splitlines()


def test_email_of_a_decision_gives_its_reason_only_to_those_who_may_read_it():
    proposal = ProposalFactory(title="Open robot model", stage=Stage.APPROVED)
    event = OutboxEventFactory(
        subject=proposal,
        payload={"from_stage": "review", "to_stage": "approved", "comment": "Budget is tight."},
    )
    reviewer = MembershipFactory(institution=InstitutionFactory()).person
    bodies = {}
    for who, recipient, role in [
        ("lead", proposal.lead, RecipientRole.LEAD),
        ("reviewer", reviewer, RecipientRole.REVIEWER),
    ]:
        notification = NotificationFactory(
            recipient=recipient, proposal=proposal, event=event, role=role
        )
        message = render_email(recipient=recipient, notifications=[notification], delivery_ids=[1])
        bodies[who] = (
            "Budget is tight." in message.body,
            "Budget is tight." in message.alternatives[0].content,
        )

    assert bodies == {"lead": (True, True), "reviewer": (False, False)}
