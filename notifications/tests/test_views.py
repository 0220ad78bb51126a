import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import CoordinatorFactory, MembershipFactory, UserFactory
from notifications.enums import Category, DeliveryState, Frequency, NotificationKind
from notifications.models import Notification, Preference
from notifications.tests.factories import EmailDeliveryFactory, NotificationFactory
from projects.enums import ParticipationStatus, Stage
from projects.tests.factories import ParticipationFactory, ProposalFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
LIST = reverse("notifications:list")


def bell_count(html: str) -> str | None:
    """The number the header's bell shows, or None when it shows none."""
    match = re.search(r'class="bell__count"[^>]*>\s*([^<\s]+)\s*<', html)
    return match.group(1) if match else None


def unread_ids(user) -> set[int]:
    return set(
        Notification.objects.filter(recipient=user, read_at=None).values_list("pk", flat=True)
    )


@pytest.fixture
def user(client):
    user = UserFactory(display_name="Ada Lovelace")
    client.force_login(user)
    return user


# The bell ---------------------------------------------------------------------------------


def test_bell_shows_the_unread_count_in_the_header(client, user):
    NotificationFactory.create_batch(3, recipient=user)
    NotificationFactory(recipient=user, read_at=timezone.now())
    NotificationFactory()  # somebody else's

    response = client.get(reverse("projects:proposal_list"))

    assert bell_count(response.text) == "3"
    assert 'href="/notifications/"' in response.text


def test_bell_without_unread_shows_no_count(client, user):
    NotificationFactory(recipient=user, read_at=timezone.now())

    response = client.get(reverse("projects:proposal_list"))

    assert bell_count(response.text) is None
    assert 'id="notification-bell"' in response.text


def test_bell_caps_large_counts(client, user):
    proposal = ProposalFactory()
    NotificationFactory.create_batch(100, recipient=user, proposal=proposal)

    response = client.get(reverse("notifications:badge"))

    assert bell_count(response.text) == "99+"


def test_bell_is_not_shown_to_visitors(client, db):
    response = client.get(reverse("projects:proposal_list"))

    assert 'id="notification-bell"' not in response.text


def test_badge_answers_only_the_bell_and_is_never_cached(client, user):
    NotificationFactory.create_batch(2, recipient=user)

    response = client.get(reverse("notifications:badge"), headers=HTMX)

    assert response.text.strip().startswith('<a id="notification-bell"')
    assert "<html" not in response.text
    assert bell_count(response.text) == "2"
    assert "no-cache" in response["Cache-Control"]


def test_badge_for_a_signed_out_page_shows_no_count(client, db):
    response = client.get(reverse("notifications:badge"), headers=HTMX)

    assert (response.status_code, bell_count(response.text)) == (200, None)


# The notifications page -------------------------------------------------------------------


def test_notification_list_shows_own_notifications_newest_first(client, user):
    proposal = ProposalFactory(title="Open robot model")
    older = NotificationFactory(recipient=user, proposal=proposal)
    newer = NotificationFactory(
        recipient=user, proposal=proposal, kind=NotificationKind.INVITATION_SENT
    )
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    NotificationFactory()  # somebody else's

    response = client.get(LIST)

    assert list(response.context["page_obj"]) == [newer, older]
    assert response.context["unread_count"] == 2
    html = response.text
    assert f'href="/notifications/{newer.pk}/open/">Invitation sent</a>' in html
    assert "Open robot model" in html
    assert f"by {newer.event.actor}" in html
    assert html.count("notification--unread") == 2


def test_notification_list_needs_sign_in(client, db):
    response = client.get(LIST)

    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/notifications/")


def test_notification_list_filters_by_proposal_and_kind(client, user):
    robots, data = ProposalFactory(slug="robots"), ProposalFactory(slug="data")
    approved = NotificationFactory(recipient=user, proposal=robots)
    milestone = NotificationFactory(
        recipient=user, proposal=robots, kind=NotificationKind.MILESTONE_ADDED
    )
    NotificationFactory(recipient=user, proposal=data)

    by_proposal = client.get(LIST, {"proposal": "robots"})
    by_both = client.get(LIST, {"proposal": "robots", "kind": NotificationKind.MILESTONE_ADDED})
    by_kind = client.get(LIST, {"kind": NotificationKind.PROPOSAL_APPROVED})

    assert set(by_proposal.context["page_obj"]) == {approved, milestone}
    assert list(by_both.context["page_obj"]) == [milestone]
    assert len(by_kind.context["page_obj"]) == 2


def test_notification_list_offers_only_proposals_and_kinds_the_user_has(client, user):
    NotificationFactory(recipient=user, proposal=ProposalFactory(slug="robots", title="Robots"))
    NotificationFactory(proposal=ProposalFactory(slug="secret"))  # somebody else's

    form = client.get(LIST).context["form"]

    assert form.fields["proposal"].choices == [("", "All proposals"), ("robots", "Robots")]
    assert form.fields["kind"].choices == [
        ("", "All kinds"),
        ("My proposals", [(NotificationKind.PROPOSAL_APPROVED, "Proposal approved")]),
    ]


def test_notification_list_ignores_a_filter_that_no_longer_matches(client, user):
    NotificationFactory(recipient=user)

    response = client.get(LIST, {"proposal": "gone", "kind": "nonsense"})

    assert (response.context["filtered"], len(response.context["page_obj"])) == (False, 1)


def test_notification_list_htmx_filter_answers_only_the_results(client, user):
    NotificationFactory(recipient=user, proposal=ProposalFactory(slug="robots"))

    response = client.get(LIST, {"proposal": "robots"}, headers=HTMX)

    assert response.text.strip().startswith('<div id="results" class="results">')
    assert "<html" not in response.text
    assert response["Vary"] == "HX-Request, Cookie, Accept-Language"


def test_notification_open_marks_read_and_goes_to_its_object(client, user):
    notification = NotificationFactory(recipient=user)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    notification.refresh_from_db()
    assert (response.status_code, response.url) == (302, notification.proposal.get_absolute_url())
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)", "relative/"]
)
def test_notification_open_never_leaves_the_site(client, user, url):
    notification = NotificationFactory(recipient=user, url=url)

    response = client.post(reverse("notifications:open", args=[notification.pk]))

    assert (response.status_code, response.url) == (302, LIST)


def test_notification_open_of_someone_elses_answers_404(client, user):
    notification = NotificationFactory()

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    notification.refresh_from_db()
    assert (response.status_code, notification.read_at) == (404, None)


def test_mark_read_without_js_returns_to_the_filtered_list(client, user):
    notification = NotificationFactory(recipient=user, proposal=ProposalFactory(slug="robots"))

    response = client.post(
        reverse("notifications:mark_read", args=[notification.pk]),
        {"proposal": "robots", "page": "1", "next": "https://evil.example/"},
    )

    assert (response.status_code, response.url) == (302, "/notifications/?proposal=robots&page=1")
    assert unread_ids(user) == set()


def test_mark_read_with_htmx_swaps_the_item_toolbar_and_bell(client, user):
    notification, other = NotificationFactory.create_batch(2, recipient=user)

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]), headers=HTMX)

    html = response.text
    assert html.strip().startswith(
        f'<li id="notification-{notification.pk}"\n      class="notification">'
    )
    assert 'id="notification-toolbar"' in html
    assert html.count('hx-swap-oob="true"') == 2
    assert bell_count(html) == "1"
    assert unread_ids(user) == {other.pk}


def test_mark_read_of_someone_elses_answers_404(client, user):
    notification = NotificationFactory()

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))

    notification.refresh_from_db()
    assert (response.status_code, notification.read_at) == (404, None)


def test_mark_read_refuses_get(client, user):
    notification = NotificationFactory(recipient=user)

    response = client.get(reverse("notifications:mark_read", args=[notification.pk]))

    assert (response.status_code, unread_ids(user)) == (405, {notification.pk})


def test_mark_all_read_without_js_redirects_with_a_message(client, user):
    NotificationFactory.create_batch(2, recipient=user)

    response = client.post(reverse("notifications:mark_all_read"), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Marked as read."]
    assert unread_ids(user) == set()
    assert bell_count(response.text) is None


def test_mark_all_read_with_htmx_swaps_the_list_and_bell(client, user):
    NotificationFactory.create_batch(2, recipient=user)

    response = client.post(reverse("notifications:mark_all_read"), headers=HTMX)

    html = response.text
    assert html.strip().startswith('<div id="results" class="results">')
    assert "notification--unread" not in html
    assert "All read." in html
    assert bell_count(html) is None
    assert 'id="notification-bell"' in html


def test_mark_all_read_of_a_filtered_list_marks_only_what_it_shows(client, user):
    robots = ProposalFactory(slug="robots")
    NotificationFactory(recipient=user, proposal=robots)
    kept = NotificationFactory(
        recipient=user, proposal=robots, kind=NotificationKind.MILESTONE_ADDED
    )
    elsewhere = NotificationFactory(recipient=user)

    client.post(
        reverse("notifications:mark_all_read"),
        {"proposal": "robots", "kind": NotificationKind.PROPOSAL_APPROVED},
    )

    assert unread_ids(user) == {kept.pk, elsewhere.pk}


def test_mark_all_read_for_a_proposal_foreign_to_the_user_marks_all_the_list_shows(client, user):
    """A proposal the user has no notification about is no filter: the list shows all."""
    NotificationFactory(recipient=user)
    theirs = NotificationFactory(proposal=ProposalFactory(slug="theirs"))

    client.post(reverse("notifications:mark_all_read"), {"proposal": "theirs"})

    theirs.refresh_from_db()
    assert (unread_ids(user), theirs.read_at) == (set(), None)


# Email preferences ------------------------------------------------------------------------

PREFERENCES = reverse("notifications:preferences")


def test_preferences_show_the_default_where_the_user_chose_none(client, user):
    Preference.objects.create(user=user, category=Category.REVIEWING, frequency=Frequency.WEEKLY)

    response = client.get(PREFERENCES)

    form = response.context["form"]
    assert {name: form[name].value() for name in form.fields} == {
        "my_proposals": "instant",
        "partnering": "instant",
        "reviewing": "weekly",
        "coordination": "instant",
        "reminders": "instant",
    }
    assert "In-app notifications are always on" in response.text
    assert response.text.count("(default)") == 5


def test_preferences_save_through_the_service(client, user):
    data = dict.fromkeys(Category.values, Frequency.INSTANT)
    data |= {"partnering": Frequency.DAILY, "reminders": Frequency.OFF}

    response = client.post(PREFERENCES, data, follow=True)

    assert response.redirect_chain == [(PREFERENCES, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Your email preferences are saved."]
    assert set(Preference.objects.filter(user=user).values_list("category", "frequency")) == {
        ("partnering", "daily"),
        ("reminders", "off"),
    }


def test_preferences_refuse_an_unknown_frequency_and_change_nothing(client, user):
    data = dict.fromkeys(Category.values, Frequency.INSTANT) | {"reviewing": "hourly"}

    response = client.post(PREFERENCES, data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reviewing": ["Select a valid choice. hourly is not one of the available choices."]
    }
    assert Preference.objects.filter(user=user).count() == 0


def test_preferences_are_linked_from_the_user_menu_and_the_notifications_page(client, user):
    link = f'href="{PREFERENCES}"'

    assert link in client.get(reverse("members:profile_edit")).text
    assert link in client.get(LIST).text


# The mail log -----------------------------------------------------------------------------


@pytest.fixture
def proposal_with_mail():
    proposal = ProposalFactory(stage=Stage.DEFINE, title="Open robot model")
    partner = MembershipFactory(
        institution=ParticipationFactory(
            proposal=proposal, status=ParticipationStatus.CONFIRMED
        ).institution
    ).person
    sent = EmailDeliveryFactory(
        notification=NotificationFactory(proposal=proposal, recipient=partner),
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        attempts=1,
    )
    failed = EmailDeliveryFactory(
        notification=NotificationFactory(proposal=proposal, recipient=proposal.lead),
        state=DeliveryState.FAILED,
        attempts=5,
    )
    EmailDeliveryFactory()  # about another proposal
    return proposal, partner, [failed, sent]


def test_mail_log_shows_the_lead_each_email_with_its_state(client, proposal_with_mail):
    proposal, partner, deliveries = proposal_with_mail
    client.force_login(proposal.lead)

    response = client.get(reverse("notifications:mail_log", args=[proposal.slug]))

    assert list(response.context["page_obj"]) == deliveries
    assert f">{partner}</a>" in response.text
    assert '<span class="badge delivery delivery--failed">Failed</span>' in response.text
    assert '<span class="badge delivery delivery--sent">Sent</span>' in response.text


def test_mail_log_is_open_to_coordinators(client, proposal_with_mail):
    proposal, _partner, deliveries = proposal_with_mail
    client.force_login(CoordinatorFactory())

    response = client.get(reverse("notifications:mail_log", args=[proposal.slug]))

    assert list(response.context["page_obj"]) == deliveries


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_mail_log_answers_404_to_everyone_else(client, proposal_with_mail, who):
    proposal, partner, _deliveries = proposal_with_mail
    client.force_login(partner if who == "partner" else UserFactory())

    response = client.get(reverse("notifications:mail_log", args=[proposal.slug]))

    assert response.status_code == 404


def test_mail_log_of_a_proposal_the_coordinator_cannot_see_answers_404(client):
    draft = ProposalFactory(stage=Stage.DRAFT)
    client.force_login(CoordinatorFactory())

    response = client.get(reverse("notifications:mail_log", args=[draft.slug]))

    assert response.status_code == 404


@pytest.mark.parametrize(("who", "linked"), [("lead", True), ("partner", False)])
def test_proposal_page_links_the_mail_log_for_whoever_may_see_it(
    client, proposal_with_mail, who, linked
):
    proposal, partner, _deliveries = proposal_with_mail
    client.force_login(proposal.lead if who == "lead" else partner)

    response = client.get(proposal.get_absolute_url())

    mail_log = reverse("notifications:mail_log", args=[proposal.slug])
    assert (f'href="{mail_log}"' in response.text) == linked


# German -----------------------------------------------------------------------------------


def test_notifications_page_speaks_german(client, user):
    NotificationFactory(recipient=user, action_required=True)

    response = client.get(LIST, headers={"Accept-Language": "de"})

    html = response.text
    assert "<h1>Benachrichtigungen</h1>" in html
    assert ">Vorschlag angenommen</a>" in html
    assert '<span class="badge badge--warning">Handlung erforderlich</span>' in html
    assert "Alle als gelesen markieren" in html
    assert "Benachrichtigungen: 1 ungelesen" in html


def test_preferences_page_speaks_german(client, user):
    response = client.get(PREFERENCES, headers={"Accept-Language": "de"})

    legends = re.findall(r"<legend>(.*?)</legend>", response.text)
    assert legends == [
        "Meine Vorschläge",
        "Partnerschaften",
        "Begutachtung",
        "Koordination",
        "Erinnerungen",
    ]
    assert "Tägliche Zusammenfassung" in response.text
