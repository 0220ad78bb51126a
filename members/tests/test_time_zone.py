"""A person's time zone: where their digests arrive at 07:00."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import services
from members.models import User

pytestmark = pytest.mark.django_db


def test_user_time_zone_defaults_to_berlin():
    person = User.objects.create_user("lena@people.example", display_name="Lena")

    assert person.time_zone == "Europe/Berlin"


def test_user_time_zone_unknown_is_refused(researcher):
    researcher.time_zone = "Mars/Olympus_Mons"

    with pytest.raises(ValidationError) as error:
        researcher.full_clean(exclude=["password"])

    assert error.value.message_dict == {
        "time_zone": ["Choose a time zone from the list, such as Europe/Berlin."]
    }


def test_person_update_profile_saves_time_zone(researcher):
    services.person_update_profile(person=researcher, time_zone="America/New_York")

    researcher.refresh_from_db()
    assert researcher.time_zone == "America/New_York"


def test_profile_edit_saves_time_zone(client, researcher):
    client.force_login(researcher)

    response = client.post(
        reverse("members:profile_edit"),
        {"display_name": "Lena", "language": "en", "time_zone": "Asia/Tokyo"},
    )

    researcher.refresh_from_db()
    assert response.url == researcher.get_absolute_url()
    assert researcher.time_zone == "Asia/Tokyo"


def test_profile_edit_with_unknown_time_zone_explains_and_changes_nothing(client, researcher):
    client.force_login(researcher)

    response = client.post(
        reverse("members:profile_edit"),
        {"display_name": "Lena", "language": "en", "time_zone": "Berlin"},
    )

    assert response.context["form"].errors == {
        "time_zone": ["Select a valid choice. Berlin is not one of the available choices."]
    }
    researcher.refresh_from_db()
    assert researcher.time_zone == "Europe/Berlin"


def test_profile_edit_offers_every_time_zone_with_the_current_one_chosen(client, researcher):
    researcher.time_zone = "Europe/Zurich"
    researcher.save()
    client.force_login(researcher)

    response = client.get(reverse("members:profile_edit"))

    field = response.context["form"]["time_zone"]
    assert field.value() == "Europe/Zurich"
    assert ("Europe/Berlin", "Europe/Berlin") in field.field.choices
    assert '<option value="Europe/Zurich" selected>Europe/Zurich</option>' in (
        response.content.decode()
    )
