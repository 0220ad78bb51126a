"""Sign up and sign in through an institution's provider, in Chromium, against a real provider.

The provider is allauth's OpenID Connect provider (allauth.idp.oidc) served by this same
project in a second process, with a database of its own: its people are not accounts of
the app under test, so the first sign-in really creates one. The whole authorization-code
flow runs for real: PKCE, the nonce, consent, the token request and the signature check.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.urls import reverse

from members.enums import MembershipStatus
from members.models import InstitutionSSO, Membership, User
from members.tests.factories import InstitutionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "alliance-hub-browser-test"
CLIENT_SECRET = "browser-test-secret"
PERSON_EMAIL = "ada.lovelace@uni.example"
PERSON_PASSWORD = "ada-at-the-provider-2026"

# Run inside the provider's process: its one person and its one client.
PROVIDER_SETUP = """
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client
from django.contrib.auth.hashers import make_password
from members.models import User

user = User.objects.create_user(email={email!r}, password={password!r}, display_name="Ada Lovelace")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
Client.objects.create(
    id={client_id!r},
    name="Alliance Hub",
    secret=make_password({secret!r}),
    scopes="openid\\nprofile\\nemail",
    default_scopes="openid\\nprofile\\nemail",
    redirect_uris={redirect_uri!r},
)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def institution_provider(tmp_path: Path, live_server):
    """Start the provider for a new institution with single sign-on; yield the institution."""
    institution = InstitutionFactory(
        name="University of Examples",
        slug="uni",
        domains=["uni.example"],
        trusts_email_domains=True,
    )
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/idp"
    config = InstitutionSSO.objects.create(
        institution=institution,
        issuer_url=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        trusts_email=True,
        enabled=True,
    )
    redirect_uri = live_server.url + reverse(
        "openid_connect_callback", kwargs={"provider_id": config.provider_id}
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST")
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'provider.sqlite3'}",
        DJANGO_SETTINGS_MODULE="alliance.settings",
        PAGE_CACHE="false",
    )
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]

    def run(*arguments: str) -> None:
        subprocess.run(
            [*manage, *arguments], env=environment, check=True, capture_output=True, timeout=120
        )

    run("migrate", "--no-input", "-v", "0")
    setup = PROVIDER_SETUP.format(
        email=PERSON_EMAIL,
        password=PERSON_PASSWORD,
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        redirect_uri=redirect_uri,
    )
    run("shell", "-c", setup)
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                document = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                assert document.json()["issuer"] == issuer
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield institution
    finally:
        server.terminate()
        server.wait(timeout=10)


def sign_in_with_the_institution(page, *, at_provider_too: bool) -> None:
    page.get_by_role("link", name="Sign in with your institution").click()
    page.get_by_label("Your email address at your institution").fill(PERSON_EMAIL)
    page.get_by_role("button", name="Continue to your institution").click()
    if at_provider_too:
        # The provider's own sign-in page (another site: 127.0.0.1, not localhost).
        page.wait_for_url("http://127.0.0.1:*/accounts/login/**")
        page.get_by_label("Email").fill(PERSON_EMAIL)
        page.get_by_label("Password").fill(PERSON_PASSWORD)
        page.get_by_role("button", name="Sign In").click()
    # Consent at the provider.
    page.get_by_role("heading", name="Authorize Alliance Hub").wait_for()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**/dashboard/")


def test_researcher_signs_up_and_later_signs_in_with_their_institution(
    browser, live_server, institution_provider
):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Sign up: from the Join page, through the institution's provider.
    page.goto("/accounts/signup/")
    sign_in_with_the_institution(page, at_provider_too=True)
    person = User.objects.get(email=PERSON_EMAIL)
    assert person.display_name == "Ada Lovelace"
    assert person.has_usable_password() is False
    membership = Membership.objects.get(person=person)
    assert (membership.institution, membership.status) == (
        institution_provider,
        MembershipStatus.ACTIVE,
    )
    assert (
        SocialAccount.objects.get(user=person).provider == f"institution-{institution_provider.pk}"
    )
    assert page.get_by_text("Ada Lovelace").first.is_visible()

    # Sign out here (the provider keeps its own session), then sign in again.
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    page.goto("/accounts/login/")
    sign_in_with_the_institution(page, at_provider_too=False)
    assert User.objects.filter(email=PERSON_EMAIL).count() == 1
    assert Membership.objects.filter(person=person).count() == 1
    page.goto("/me/affiliations/")
    page.locator("li", has_text="University of Examples").first.get_by_text("Active").wait_for()
    assert errors == []
    context.close()
