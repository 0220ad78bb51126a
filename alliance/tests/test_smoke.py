import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_renders_for_visitor(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert response.templates[0].name == "home.html"


@pytest.mark.django_db
def test_health_answers_ok(client):
    response = client.get(reverse("health"))

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("home"))

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "unsafe-inline" not in policy
