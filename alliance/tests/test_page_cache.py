"""Pages come from the cache; nobody is ever served what is not theirs."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib import messages
from django.contrib.auth.models import Group
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from core import pagecache
from core.pagecache import CSRF_PLACEHOLDER, DATA_VERSION_KEY, VERSION_KEY, watch_writes
from members.enums import COORDINATORS_GROUP
from members.services import person_update_profile
from members.tests.factories import CoordinatorFactory, MembershipFactory, RepresentativeFactory
from projects.enums import Stage
from projects.models import Decision, Proposal
from projects.services import proposal_decide
from projects.tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _public_pages() -> list[str]:
    membership = MembershipFactory()
    proposal = ProposalFactory(
        stage=Stage.DRIVE, lead=membership.person, lead_institution=membership.institution
    )
    return [
        reverse("home"),
        reverse("members:institution_list"),
        reverse("members:institution_detail", args=[membership.institution.slug]),
        reverse("members:person_detail", args=[membership.person.pk]),
        reverse("projects:proposal_list"),
        reverse("projects:proposal_list") + "?stage=drive",
        reverse("projects:proposal_detail", args=[proposal.slug]),
        reverse("projects:revision_list", args=[proposal.slug]),
    ]


def test_page_cache_serves_a_visitors_second_request_without_queries(
    page_cache, django_assert_num_queries
):
    for url in _public_pages():
        first = Client().get(url)
        with django_assert_num_queries(0):
            second = Client().get(url)

        assert (first.status_code, second.status_code) == (200, 200)
        assert second.content.decode() == _with_token(first.content.decode(), second)


def test_page_cache_stores_the_first_page_of_a_fresh_cache(page_cache, django_assert_num_queries):
    cache.delete(VERSION_KEY)
    url = reverse("projects:proposal_list")
    Client().get(url)

    with django_assert_num_queries(0):
        Client().get(url)


def test_page_cache_keeps_partials_apart_from_pages(page_cache):
    url = reverse("projects:proposal_list")
    page = Client().get(url)
    partial = Client().get(url, headers={"HX-Request": "true"})

    assert b"<html" in page.content
    assert b"<html" not in partial.content


def _with_token(content: str, response) -> str:
    """The first page's content with the CSRF token the second request was given."""
    token = CSRF_INPUT.search(response.content.decode()).group(1)
    return CSRF_INPUT.sub(f'name="csrfmiddlewaretoken" value="{token}"', content).replace(
        re.search(r'"X-CSRFToken": "([A-Za-z0-9]+)"', content).group(1),
        re.search(r'"X-CSRFToken": "([A-Za-z0-9]+)"', response.content.decode()).group(1),
    )


@pytest.mark.parametrize("order", ["coordinator first", "visitor first"])
def test_page_cache_never_serves_or_stores_a_signed_in_page(page_cache, order):
    ProposalFactory(stage=Stage.DRIVE, title="Seen by everyone")
    ProposalFactory(stage=Stage.REVIEW, title="Under review, coordinators only")
    coordinator = Client()
    coordinator.force_login(CoordinatorFactory())
    url = reverse("projects:proposal_list")

    if order == "coordinator first":
        signed_in = coordinator.get(url).content.decode()
        visitor = Client().get(url).content.decode()
    else:
        visitor = Client().get(url).content.decode()
        Client().get(url)  # served from the cache from now on
        signed_in = coordinator.get(url).content.decode()

    assert ("Under review, coordinators only" in signed_in, "Seen by everyone" in signed_in) == (
        True,
        True,
    )
    assert ("Under review, coordinators only" in visitor, "Seen by everyone" in visitor) == (
        False,
        True,
    )


def test_page_cache_skips_a_request_with_a_flash_message(page_cache, rf):
    url = reverse("projects:proposal_list")
    client = Client()
    client.cookies["messages"] = CookieStorage(rf.get(url))._encode(
        [Message(messages.SUCCESS, "Saved just for you.")]
    )

    shown = client.get(url).content.decode()
    after = Client().get(url).content.decode()

    assert ("Saved just for you." in shown, "Saved just for you." in after) == (True, False)


def test_page_cache_keeps_languages_apart(page_cache):
    url = reverse("projects:proposal_list")
    english = [Client().get(url, headers={"Accept-Language": "en"}) for _ in range(2)]
    german = [Client().get(url, headers={"Accept-Language": "de"}) for _ in range(2)]

    assert [r["Content-Language"] for r in english + german] == ["en", "en", "de", "de"]
    assert '<html lang="de"' in german[1].content.decode()
    assert '<html lang="en"' in english[1].content.decode()


def test_page_cache_shows_an_approval_on_the_next_visitor_request(
    page_cache, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(stage=Stage.REVIEW, title="Robots that learn from video")
    url = reverse("projects:proposal_list")
    Client().get(url)
    assert "Robots that learn from video" not in Client().get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        proposal_decide(
            proposal=proposal,
            actor=CoordinatorFactory(),
            outcome=Decision.Outcome.APPROVE,
            reason="Well planned.",
        )

    assert "Robots that learn from video" in Client().get(url).content.decode()


def test_page_cache_gives_each_visitor_a_working_csrf_token(page_cache):
    url = reverse("home")
    first = Client(enforce_csrf_checks=True)
    first.get(url)
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    content = page.content.decode()
    token = CSRF_INPUT.search(content).group(1)

    switched = visitor.post(
        reverse("set_language"), {"language": "de", "next": url, "csrfmiddlewaretoken": token}
    )

    assert CSRF_PLACEHOLDER not in content
    assert "csrftoken" in page.cookies
    assert token != CSRF_INPUT.search(first.get(url).content.decode()).group(1)
    assert (switched.status_code, switched["Location"]) == (302, url)
    assert switched.cookies["django_language"].value == "de"


def test_page_cache_shows_a_profile_change_on_the_next_visitor_request(
    page_cache, django_capture_on_commit_callbacks
):
    person = MembershipFactory().person
    url = reverse("members:person_detail", args=[person.pk])
    Client().get(url)
    assert "Robot learning from video" not in Client().get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        person_update_profile(person=person, bio="Robot learning from video.")

    assert "Robot learning from video" in Client().get(url).content.decode()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_cache_serves_a_signed_in_persons_second_request_without_queries(
    page_cache, django_assert_num_queries
):
    representative = RepresentativeFactory()
    ProposalFactory(
        stage=Stage.DEFINE, lead=representative.person, lead_institution=representative.institution
    )
    client = _signed_in(representative.person)
    urls = [
        reverse("home"),
        reverse("dashboard"),
        reverse("projects:proposal_list"),
        reverse("projects:my_proposals"),
        reverse("projects:partnering_inbox"),
        reverse("projects:signoffs"),
        reverse("projects:reviewer_inbox"),
        reverse("projects:institution_dashboard", args=[representative.institution.slug]),
    ]
    for url in urls:
        first = client.get(url)
        # Neither the session nor the person is loaded: nothing was written since.
        with django_assert_num_queries(0):
            second = client.get(url)

        assert (first.status_code, second.status_code) == (200, 200)
        assert second.content.decode() == _with_token(first.content.decode(), second)


@pytest.mark.parametrize("order", ["coordinator first", "researcher first"])
def test_page_cache_never_serves_one_persons_page_to_another(page_cache, order):
    ProposalFactory(stage=Stage.REVIEW, title="Under review, coordinators only")
    people = {
        "coordinator": CoordinatorFactory(display_name="Cora Coordinator"),
        "researcher": MembershipFactory(person__display_name="Rex Researcher").person,
    }
    clients = {role: _signed_in(person) for role, person in people.items()}
    urls = [reverse("projects:proposal_list"), reverse("dashboard"), reverse("home")]
    first, second = order.split()[0], ({"coordinator", "researcher"} - {order.split()[0]}).pop()
    pages = {role: [] for role in people}
    for role in (first, second, first, second):
        pages[role] += [clients[role].get(url).content.decode() for url in urls]

    for role, other in (("coordinator", "researcher"), ("researcher", "coordinator")):
        name, other_name = people[role].display_name, people[other].display_name
        assert [(name in page, other_name in page) for page in pages[role]] == [(True, False)] * 6
    # The proposal list, first rendered, then from each one's own copy.
    lists = {role: [pages[role][0], pages[role][3]] for role in people}
    assert {
        role: ["Under review, coordinators only" in p for p in lists[role]] for role in people
    } == {
        "coordinator": [True, True],
        "researcher": [False, False],
    }


@pytest.mark.django_db(transaction=True)
def test_page_cache_shows_a_new_coordinator_the_review_stage_at_once(page_cache):
    ProposalFactory(stage=Stage.REVIEW, title="Under review, coordinators only")
    person = MembershipFactory().person
    client = _signed_in(person)
    url = reverse("projects:proposal_list")
    before = [client.get(url).content.decode() for _ in range(2)]

    person.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
    after = client.get(url).content.decode()

    assert ["Under review, coordinators only" in page for page in before] == [False, False]
    assert "Under review, coordinators only" in after


@pytest.mark.django_db(transaction=True)
def test_page_cache_shows_a_bulk_update_at_once(page_cache):
    """A write that sends no signal (a queryset update, the admin's bulk actions) counts too."""
    proposal = ProposalFactory(stage=Stage.DRIVE, title="Robots that learn from video")
    client = _signed_in(MembershipFactory().person)
    url = reverse("projects:proposal_list")
    before = [client.get(url).content.decode() for _ in range(2)]

    Proposal.objects.filter(pk=proposal.pk).update(title="Robots that learn from speech")
    after = client.get(url).content.decode()

    assert ["Robots that learn from video" in page for page in before] == [True, True]
    assert ("Robots that learn from video" in after, "Robots that learn from speech" in after) == (
        False,
        True,
    )


@pytest.mark.django_db(transaction=True)
def test_page_cache_data_version_moves_on_commit_not_on_rollback():
    MembershipFactory()
    start = cache.get(DATA_VERSION_KEY)
    Client().force_login(CoordinatorFactory())  # the person, their group, their session
    joined = cache.get(DATA_VERSION_KEY)
    with transaction.atomic():
        Proposal.objects.update(title="Never committed")
        transaction.set_rollback(True)
    rolled_back = cache.get(DATA_VERSION_KEY)
    with transaction.atomic():
        Proposal.objects.update(title="Committed")
        assert cache.get(DATA_VERSION_KEY) == rolled_back  # not before the commit
    committed = cache.get(DATA_VERSION_KEY)

    assert (joined != start, rolled_back == joined, committed != rolled_back) == (True, True, True)
    assert watch_writes in connection.execute_wrappers


def test_page_cache_keeps_no_signed_in_page_that_set_a_message(page_cache, rf):
    client = _signed_in(MembershipFactory().person)
    url = reverse("projects:proposal_list")
    client.cookies["messages"] = CookieStorage(rf.get(url))._encode(
        [Message(messages.SUCCESS, "Saved just for you.")]
    )

    shown = client.get(url).content.decode()
    after = client.get(url).content.decode()

    assert ("Saved just for you." in shown, "Saved just for you." in after) == (True, False)


@pytest.mark.django_db(transaction=True)
def test_page_cache_serves_nothing_to_a_signed_out_sessions_cookie(page_cache, settings):
    client = _signed_in(MembershipFactory().person)
    url = reverse("dashboard")
    pages = [client.get(url) for _ in range(2)]
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("account_logout"))
    replayed = Client()
    replayed.cookies[settings.SESSION_COOKIE_NAME] = cookie
    after = replayed.get(url)

    assert [page.status_code for page in pages] == [200, 200]
    assert (after.status_code, after["Location"]) == (302, f"{reverse('account_login')}?next={url}")


def test_page_cache_renews_a_copy_past_its_time_once_while_others_get_it(
    page_cache, monkeypatch, django_assert_num_queries
):
    """Past PAGE_CACHE_SECONDS one request renders the page anew; requests meanwhile get the
    copy rather than all rendering it at once. A change no event records (a queryset
    update) shows once the copy is renewed."""
    url, key = _copy_then_retitled(monkeypatch)
    cache.set(key, {**cache.get(key), "fresh_until": time.time() - 1})
    cache.add(key + pagecache.RENEWING, 1)  # another request is renewing it

    with django_assert_num_queries(0):
        meanwhile = Client().get(url).content.decode()
    cache.delete(key + pagecache.RENEWING)  # it failed before storing
    renewed = Client().get(url).content.decode()
    with django_assert_num_queries(0):
        again = Client().get(url).content.decode()

    assert "Robots that learn from video" in meanwhile
    assert "Robots that learn from speech" in renewed
    assert "Robots that learn from speech" in again
    assert cache.get(key + pagecache.RENEWING) is None
    assert cache.get(key)["fresh_until"] > time.time()


def test_page_cache_renews_nothing_of_another_version(page_cache, monkeypatch):
    """A copy of an earlier version is never served, renewal or not."""
    url, key = _copy_then_retitled(monkeypatch)
    cache.add(key + pagecache.RENEWING, 1)

    pagecache.public_version_bump()
    page = Client().get(url).content.decode()

    assert "Robots that learn from speech" in page


def _copy_then_retitled(monkeypatch) -> tuple[str, str]:
    """A visitor's copy of the proposal list, then its proposal retitled by a queryset update
    (no event, so the public version stays): the list's URL and the copy's cache key."""
    proposal = ProposalFactory(stage=Stage.DRIVE, title="Robots that learn from video")
    url = reverse("projects:proposal_list")
    keys = []
    key = pagecache._key

    def recorded(*args, **kwargs) -> str:
        keys.append(key(*args, **kwargs))
        return keys[-1]

    monkeypatch.setattr(pagecache, "_key", recorded)
    Client().get(url)
    Proposal.objects.filter(pk=proposal.pk).update(title="Robots that learn from speech")
    return url, keys[-1]
