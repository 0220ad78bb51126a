"""The interface language: named in itself, kept on the profile, restored at sign-in."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from members import services
from members.enums import Language
from members.models import User
from members.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Sign-in rate limits live in the cache: give every test its own keys."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"language-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


def switch_language(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def log_in(client, email: str):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def test_language_switcher_names_each_language_in_itself(client):
    response = client.get("/", headers={"accept-language": "en"})

    options = re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]+)</option>', response.text)
    assert options == [("en", "English"), ("de", "Deutsch")]


def test_language_switch_by_a_visitor_sets_the_cookie_only(client):
    response = switch_language(client, "de")

    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "de"
    assert client.get("/").headers["Content-Language"] == "de"


def test_language_switch_while_signed_in_keeps_the_choice_on_the_profile(client):
    person = UserFactory(language=Language.ENGLISH)
    client.force_login(person)

    response = switch_language(client, "de", next_url="/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert response.cookies[LANGUAGE_COOKIE].value == "de"
    person.refresh_from_db()
    assert person.language == Language.GERMAN


def test_language_switch_to_an_unknown_language_changes_nothing(client):
    person = UserFactory(language=Language.GERMAN)
    client.force_login(person)

    response = switch_language(client, "xx")

    assert response.status_code == 302
    assert LANGUAGE_COOKIE not in response.cookies
    person.refresh_from_db()
    assert person.language == Language.GERMAN


def test_sign_in_switches_to_the_language_on_the_profile(client):
    person = UserFactory(language=Language.GERMAN)
    client.cookies[LANGUAGE_COOKIE] = "en"

    response = log_in(client, person.email)

    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "de"
    dashboard = client.get(response["Location"])
    assert dashboard.headers["Content-Language"] == "de"
    assert "Willkommen" in dashboard.text


def test_sign_up_keeps_the_language_it_happened_in(client):
    switch_language(client, "de")

    client.post(
        reverse("account_signup"),
        {
            "email": "lena@people.example",
            "display_name": "Dr. Lena Maier",
            "password1": "an-unusual-passphrase-for-tests-42",
            "password2": "an-unusual-passphrase-for-tests-42",
        },
    )

    assert User.objects.get(email="lena@people.example").language == Language.GERMAN


def test_profile_language_change_switches_the_interface(client):
    person = UserFactory(language=Language.ENGLISH)
    client.force_login(person)
    form = client.get(reverse("members:profile_edit")).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, (list, dict))
    }

    response = client.post(reverse("members:profile_edit"), {**data, "language": "de"})

    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "de"


def test_person_set_language_saves_only_the_language():
    person = UserFactory(language=Language.ENGLISH, display_name="Lena")
    User.objects.filter(pk=person.pk).update(display_name="Lena Maier")

    services.person_set_language(person=person, language=Language.GERMAN)

    person.refresh_from_db()
    assert (person.language, person.display_name) == (Language.GERMAN, "Lena Maier")
