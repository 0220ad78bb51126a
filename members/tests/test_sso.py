"""Single sign-on per institution: the flow, every bad answer, linking, and configuration."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from members import sso
from members.adapters import SocialAccountAdapter
from members.enums import InstitutionStatus, MembershipStatus
from members.models import InstitutionSSO, Membership, User
from members.tests import oidc_provider
from members.tests.factories import InstitutionFactory, UserFactory
from members.tests.oidc_provider import FakeProvider, FakeResponse

LOGIN = "/accounts/login/"


_ADDRESSES = itertools.count(1)


@pytest.fixture
def client() -> Client:
    """A browser at an address of its own: tries from one address are limited per minute."""
    n = next(_ADDRESSES)
    return Client(REMOTE_ADDR=f"198.51.{n // 250}.{n % 250 + 1}")


@pytest.fixture
def provider(monkeypatch) -> FakeProvider:
    fake = FakeProvider()
    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", lambda self: fake.session())
    return fake


@pytest.fixture
def uni(db):
    return InstitutionFactory(
        name="University of Examples",
        slug="uni",
        domains=["uni.example"],
        trusts_email_domains=True,
    )


@pytest.fixture
def config(uni) -> InstitutionSSO:
    return InstitutionSSO.objects.create(
        institution=uni,
        issuer_url=oidc_provider.ISSUER,
        client_id=oidc_provider.CLIENT_ID,
        client_secret=oidc_provider.CLIENT_SECRET,
        trusts_email=True,
        enabled=True,
    )


def callback_url(config: InstitutionSSO) -> str:
    return reverse("openid_connect_callback", kwargs={"provider_id": config.provider_id})


def start(client, provider: FakeProvider, email: str = "ada@uni.example", code="code-1", **extra):
    """Sign-in with the institution up to the provider's answer: the state and the code."""
    response = client.post(reverse("sso_start"), {"email": email, **extra})
    assert response.status_code == 200
    query = provider.authorize(response.context["location"], code=code)
    return query


def finish(client, config, query: dict, code: str = "code-1"):
    return client.get(callback_url(config), {"state": query["state"], "code": code})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_refused(response, *, users_before: int) -> list[str]:
    """The sign-in ended on the sign-in page with a reason, and nothing was created or connected."""
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert User.objects.count() == users_before
    assert SocialAccount.objects.count() == 0
    assert not response.wsgi_request.user.is_authenticated
    return messages_of(response)


FAILED = (
    "The sign-in with your institution did not succeed, and nothing was changed. "
    "Try again, or sign in with your email address."
)


# The flow -------------------------------------------------------------------------------


def test_sso_start_sends_to_the_institutions_provider_with_pkce_and_nonce(client, provider, config):
    response = client.post(reverse("sso_start"), {"email": "Ada@Uni.example"})
    assert response.templates[0].name == "account/institution_redirect.html"
    location = urlsplit(response.context["location"])
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == f"{oidc_provider.ISSUER}/authorize"
    )
    assert query["client_id"] == oidc_provider.CLIENT_ID
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["nonce"]) == 43
    assert query["redirect_uri"] == "http://testserver" + callback_url(config)
    assert sorted(query["scope"].split()) == ["email", "openid", "profile"]


def test_sso_first_sign_in_creates_the_account_verified_and_affiliated(client, provider, config):
    query = start(client, provider)
    response = finish(client, config, query)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    user = User.objects.get()
    assert (user.email, user.display_name, user.has_usable_password()) == (
        "ada@uni.example",
        "Ada Lovelace",
        False,
    )
    assert EmailAddress.objects.get(user=user).verified is True
    membership = Membership.objects.get(person=user)
    assert (membership.institution, membership.status) == (
        config.institution,
        MembershipStatus.ACTIVE,
    )
    assert SocialAccount.objects.get().provider == config.provider_id
    assert response.wsgi_request.user == user


def test_sso_affiliation_is_pending_where_the_institution_does_not_auto_approve(
    client, provider, config
):
    config.institution.trusts_email_domains = False
    config.institution.save()
    finish(client, config, start(client, provider))
    membership = Membership.objects.get()
    assert membership.status == MembershipStatus.PENDING


def test_sso_second_sign_in_finds_the_same_account(client, provider, config):
    finish(client, config, start(client, provider))
    client.logout()
    response = finish(client, config, start(client, provider, code="code-2"), code="code-2")
    assert response["Location"] == reverse("dashboard")
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    assert Membership.objects.count() == 1


def test_sso_email_is_unverified_when_the_institution_does_not_trust_it(client, provider, config):
    config.trusts_email = False
    config.save()
    finish(client, config, start(client, provider))
    user = User.objects.get()
    assert EmailAddress.objects.get(user=user).verified is False
    assert Membership.objects.count() == 0


def test_sso_email_is_unverified_when_the_provider_does_not_say_so(client, provider, config):
    provider.claims["email_verified"] = False
    finish(client, config, start(client, provider))
    assert EmailAddress.objects.get().verified is False
    assert Membership.objects.count() == 0


def test_sso_start_without_sso_for_the_domain_says_so(client, provider, config):
    response = client.post(reverse("sso_start"), {"email": "bob@elsewhere.example"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Your institution has no single sign-on here. Sign in with your email address and "
        "password instead."
    ]


def test_sso_start_refuses_a_switched_off_provider(client, provider, config):
    config.enabled = False
    config.save()
    response = client.post(reverse("sso_start"), {"email": "ada@uni.example"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]


def test_sso_start_refuses_a_suspended_institution(client, provider, config):
    config.institution.status = InstitutionStatus.SUSPENDED
    config.institution.save()
    response = client.post(reverse("sso_start"), {"email": "ada@uni.example"})
    assert list(response.context["form"].errors) == ["email"]


def test_sso_callback_after_suspension_signs_no_one_in(client, provider, config):
    query = start(client, provider)
    config.institution.status = InstitutionStatus.SUSPENDED
    config.institution.save()
    messages = assert_refused(finish(client, config, query), users_before=0)
    assert messages == ["Sign-in with University of Examples is switched off."]


def test_sso_start_with_the_provider_down_ends_on_the_sign_in_page(client, provider, config):
    provider.down = True
    response = client.post(reverse("sso_start"), {"email": "ada@uni.example"})
    assert response["Location"] == LOGIN
    assert messages_of(response) == [
        "The sign-in service of University of Examples does not answer. Try again later, or "
        "sign in with your email address."
    ]


# Bad answers and attacks ----------------------------------------------------------------


def test_sso_callback_without_state_is_refused(client, provider, config):
    start(client, provider)
    response = client.get(callback_url(config), {"code": "code-1"})
    assert assert_refused(response, users_before=0) == [FAILED]


def test_sso_callback_with_a_wrong_state_is_refused(client, provider, config):
    start(client, provider)
    response = client.get(callback_url(config), {"code": "code-1", "state": "forged-state"})
    assert assert_refused(response, users_before=0) == [FAILED]


def test_sso_callback_state_from_another_browser_is_refused(client, provider, config):
    from django.test import Client

    query = start(client, provider)
    response = finish(Client(), config, query)
    assert assert_refused(response, users_before=0) == [FAILED]


def test_sso_replayed_code_is_refused(client, provider, config):
    finish(client, config, start(client, provider))
    client.logout()
    users = User.objects.count()
    SocialAccount.objects.all().delete()
    query = start(client, provider, code="code-2")
    response = finish(client, config, query, code="code-1")
    assert assert_refused(response, users_before=users) == [FAILED]


def test_sso_replayed_callback_is_refused(client, provider, config):
    query = start(client, provider)
    finish(client, config, query)
    client.logout()
    SocialAccount.objects.all().delete()
    response = finish(client, config, query)
    assert assert_refused(response, users_before=1) == [FAILED]


def test_sso_expired_code_is_refused(client, provider, config):
    query = start(client, provider)
    provider.expired_codes.add("code-1")
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://login.other.example"},
        {"aud": "another-client"},
        {"exp": 1_000_000_000},
    ],
    ids=["other-issuer", "other-audience", "expired"],
)
def test_sso_id_token_for_someone_else_is_refused(client, provider, config, overrides):
    provider.id_token_overrides = overrides
    query = start(client, provider)
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_id_token_with_a_bad_signature_is_refused(client, provider, config):
    provider.signing_key = oidc_provider.other_key()
    query = start(client, provider)
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_id_token_with_another_nonce_is_refused(client, provider, config):
    provider.id_token_overrides = {"nonce": "from-another-sign-in"}
    query = start(client, provider)
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_id_token_without_nonce_is_refused(client, provider, config):
    query = start(client, provider)
    provider.issued["code-1"] = (None, provider.issued["code-1"][1])
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_user_info_for_another_subject_is_refused(client, provider, config, monkeypatch):
    query = start(client, provider)
    provider.id_token_overrides = {"sub": "someone-else"}
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_provider_down_at_the_callback_is_refused(client, provider, config):
    query = start(client, provider)
    provider.down = True
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_provider_answering_garbage_is_refused(client, provider, config):
    query = start(client, provider)
    provider.garbage_token = True
    assert assert_refused(finish(client, config, query), users_before=0) == [FAILED]


def test_sso_user_cancelling_at_the_provider_ends_on_the_sign_in_page(client, provider, config):
    query = start(client, provider)
    response = client.get(callback_url(config), {"state": query["state"], "error": "access_denied"})
    assert assert_refused(response, users_before=0) == [
        "You cancelled the sign-in at your institution. Nothing was changed."
    ]


def test_sso_unverified_email_claiming_a_members_address_is_refused(client, provider, config):
    member = UserFactory(email="ada@uni.example")
    provider.claims["email_verified"] = False
    query = start(client, provider)
    messages = assert_refused(finish(client, config, query), users_before=1)
    assert messages == [
        "An account with the address ada@uni.example exists already. Sign in to it first, then "
        "connect your institution's sign-in on your account page."
    ]
    member.refresh_from_db()
    assert member.has_usable_password() is True


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/steal", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_sso_next_pointing_elsewhere_is_ignored(client, provider, config, target):
    query = start(client, provider, next=target)
    response = finish(client, config, query)
    assert response["Location"] == reverse("dashboard")


def test_sso_next_on_the_site_is_followed(client, provider, config):
    query = start(client, provider, next="/institutions/")
    response = finish(client, config, query)
    assert response["Location"] == "/institutions/"


def test_sso_login_url_ignores_nonce_and_scope_from_the_query(client, provider, config):
    response = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": config.provider_id})
        + "?auth_params=nonce%3Dattacker&scope=offline_access"
    )
    query = parse_qs(urlsplit(response.context["location"]).query)
    assert query["nonce"] != ["attacker"]
    assert sorted(query["scope"][0].split()) == ["email", "openid", "profile"]


# Linking --------------------------------------------------------------------------------


def test_sso_verified_address_of_an_existing_account_is_connected_not_duplicated(
    client, provider, config
):
    member = UserFactory(email="ada@uni.example")
    response = finish(client, config, start(client, provider))
    assert response["Location"] == reverse("dashboard")
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user == member
    assert response.wsgi_request.user == member
    # The address was verified here, so the password its owner set stays.
    member.refresh_from_db()
    assert member.has_usable_password() is True


def test_sso_connecting_an_account_whose_address_was_never_verified_wipes_its_password(
    client, provider, config
):
    squatter = UserFactory(email="ada@uni.example", verified=False)
    EmailAddress.objects.create(user=squatter, email=squatter.email, verified=False, primary=True)
    finish(client, config, start(client, provider))
    squatter.refresh_from_db()
    assert SocialAccount.objects.get().user == squatter
    assert squatter.has_usable_password() is False


def test_sso_untrusted_institution_never_connects_an_existing_account(client, provider, config):
    config.trusts_email = False
    config.save()
    UserFactory(email="ada@uni.example")
    assert assert_refused(finish(client, config, start(client, provider)), users_before=1)


def test_sso_signed_in_person_connects_their_institution(client, provider, config):
    member = UserFactory(email="ada.l@people.example")
    client.force_login(member)
    response = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": config.provider_id}),
        {"process": "connect"},
    )
    query = provider.authorize(response.context["location"])
    response = finish(client, config, query)
    assert response["Location"] == reverse("socialaccount_connections")
    assert SocialAccount.objects.get().user == member
    assert User.objects.count() == 1


def test_sso_disconnecting_the_only_way_in_is_refused(client, provider, config):
    finish(client, config, start(client, provider))
    account = SocialAccount.objects.get()
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 200
    assert SocialAccount.objects.count() == 1
    assert response.context["form"].errors["__all__"] == [
        "Set a password first: this is your only way to sign in."
    ]


def test_sso_disconnecting_with_a_password_left_works(client, provider, config):
    member = UserFactory(email="ada@uni.example")
    finish(client, config, start(client, provider))
    account = SocialAccount.objects.get()
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 302
    assert SocialAccount.objects.filter(user=member).count() == 0


def test_sso_connections_page_lists_the_institution(client, provider, config):
    finish(client, config, start(client, provider))
    response = client.get(reverse("socialaccount_connections"))
    assert response.status_code == 200
    assert "University of Examples" in response.content.decode()


# Required single sign-on ----------------------------------------------------------------


@pytest.fixture
def required(config) -> InstitutionSSO:
    config.required = True
    config.save()
    return config


REQUIRED = (
    "University of Examples requires its own sign-in for your address: use "
    "\u201cSign in with your institution\u201d instead of a password."
)


def test_sso_required_refuses_a_password_sign_in(client, required):
    UserFactory(email="ada@uni.example")
    response = client.post(
        LOGIN, {"login": "ada@uni.example", "password": "correct-horse-battery-staple"}
    )
    assert response["Location"] == LOGIN
    assert messages_of(response) == [REQUIRED]
    assert not response.wsgi_request.user.is_authenticated


def test_sso_required_refuses_a_password_reset(client, required):
    UserFactory(email="ada@uni.example")
    response = client.post(reverse("account_reset_password"), {"email": "ada@uni.example"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [REQUIRED]


def test_sso_required_refuses_a_password_change(client, required):
    user = UserFactory(email="ada@uni.example")
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"] == [REQUIRED]


def test_sso_required_refuses_a_password_sign_up(client, required):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@uni.example",
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
            "display_name": "New Person",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [REQUIRED]
    assert User.objects.count() == 0


def test_sso_required_leaves_other_domains_alone(client, required):
    UserFactory(email="bob@people.example")
    response = client.post(
        LOGIN, {"login": "bob@people.example", "password": "correct-horse-battery-staple"}
    )
    assert response["Location"] == reverse("dashboard")


# The discovery check --------------------------------------------------------------------


def discovery(monkeypatch, response=None, error=None):
    def get(url, **kwargs):
        assert url == "https://login.uni.example/.well-known/openid-configuration"
        assert kwargs["timeout"] == sso.DISCOVERY_TIMEOUT
        if error:
            raise error
        return response

    monkeypatch.setattr(sso.requests, "get", get)
    return sso.discovery_check(issuer_url="https://login.uni.example/")


GOOD_DOCUMENT = {
    "issuer": "https://login.uni.example",
    "authorization_endpoint": "https://login.uni.example/authorize",
    "token_endpoint": "https://login.uni.example/token",
    "jwks_uri": "https://login.uni.example/jwks",
}


def test_discovery_check_unreachable(monkeypatch):
    import requests

    result = discovery(monkeypatch, error=requests.ConnectTimeout("timed out"))
    assert result == sso.DiscoveryResult(
        False,
        "The provider is unreachable at https://login.uni.example/.well-known/openid-configuration.",
    )


def test_discovery_check_not_found(monkeypatch):
    result = discovery(monkeypatch, FakeResponse(404, {"error": "nope"}))
    assert result.message == (
        "The provider answered 404 at https://login.uni.example/.well-known/openid-configuration."
    )


def test_discovery_check_not_json(monkeypatch):
    result = discovery(monkeypatch, FakeResponse(200, text="<html>Welcome</html>"))
    assert result == sso.DiscoveryResult(
        False,
        "The discovery document at "
        "https://login.uni.example/.well-known/openid-configuration is not JSON.",
    )


def test_discovery_check_wrong_issuer(monkeypatch):
    result = discovery(
        monkeypatch, FakeResponse(body={**GOOD_DOCUMENT, "issuer": "https://x.example"})
    )
    assert result == sso.DiscoveryResult(
        False, "The provider names another issuer: https://x.example."
    )


def test_discovery_check_no_authorization_endpoint(monkeypatch):
    document = {k: v for k, v in GOOD_DOCUMENT.items() if k != "authorization_endpoint"}
    result = discovery(monkeypatch, FakeResponse(body=document))
    assert result == sso.DiscoveryResult(False, "The provider has no authorization endpoint.")


def test_discovery_check_ok(monkeypatch):
    result = discovery(monkeypatch, FakeResponse(body=GOOD_DOCUMENT))
    assert result == sso.DiscoveryResult(True, "The provider answers as it should.")


def test_discovery_check_unreachable_for_real():
    # Nothing listens on port 9 of this machine: refused at once.
    result = sso.discovery_check(issuer_url="http://127.0.0.1:9")
    assert result.ok is False
    assert result.message == (
        "The provider is unreachable at http://127.0.0.1:9/.well-known/openid-configuration."
    )


# The configuration page -----------------------------------------------------------------


def sso_page(institution) -> str:
    return reverse("members:institution_sso", kwargs={"slug": institution.slug})


FORM = {
    "issuer_url": "https://login.uni.example/",
    "client_id": "hub",
    "client_secret": "first-secret",
    "trusts_email": "on",
    "enabled": "on",
}


def test_sso_page_is_hidden_from_representatives(client, uni):
    from members.tests.factories import RepresentativeFactory

    client.force_login(RepresentativeFactory(institution=uni).person)
    assert client.get(sso_page(uni)).status_code == 404


def test_sso_page_saves_and_never_shows_the_secret(client, coordinator, uni):
    client.force_login(coordinator)
    response = client.post(sso_page(uni), FORM)
    assert response["Location"] == sso_page(uni)
    config = InstitutionSSO.objects.get()
    assert (config.issuer_url, config.client_secret, config.enabled) == (
        "https://login.uni.example",
        "first-secret",
        True,
    )
    page = client.get(sso_page(uni)).content.decode()
    assert "first-secret" not in page
    # Left empty, the saved secret stays.
    client.post(sso_page(uni), {**FORM, "client_secret": "", "required": "on"})
    config.refresh_from_db()
    assert (config.client_secret, config.required) == ("first-secret", True)


def test_sso_page_check_reports_without_saving(client, coordinator, uni, monkeypatch):
    client.force_login(coordinator)
    monkeypatch.setattr(sso.requests, "get", lambda url, **kw: FakeResponse(body=GOOD_DOCUMENT))
    response = client.post(
        sso_page(uni), {**FORM, "issuer_url": "https://login.uni.example", "check": ""}
    )
    assert response.status_code == 200
    assert response.context["check"] == sso.DiscoveryResult(
        True, "The provider answers as it should."
    )
    assert InstitutionSSO.objects.count() == 0
    assert "first-secret" not in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        (
            {"issuer_url": "http://login.uni.example"},
            "issuer_url",
            "The issuer must use https (plain http only on this machine, for testing).",
        ),
        (
            {"client_secret": ""},
            "client_secret",
            "Enter the client secret to switch the sign-in on.",
        ),
        (
            {"enabled": "", "required": "on"},
            "required",
            "Single sign-on can only be required while it is on.",
        ),
    ],
)
def test_sso_page_validates(client, coordinator, uni, changes, field, error):
    client.force_login(coordinator)
    response = client.post(sso_page(uni), {**FORM, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert InstitutionSSO.objects.count() == 0


def test_sso_page_allows_http_on_loopback(client, coordinator, uni):
    client.force_login(coordinator)
    client.post(sso_page(uni), {**FORM, "issuer_url": "http://localhost:8000/idp"})
    assert InstitutionSSO.objects.get().issuer_url == "http://localhost:8000/idp"


def test_institution_page_tells_representatives_whether_sso_is_on(client, config):
    from members.tests.factories import RepresentativeFactory

    client.force_login(RepresentativeFactory(institution=config.institution).person)
    response = client.get(config.institution.get_absolute_url())
    assert response.context["sso"] == config
    assert "Configure" not in response.content.decode()


def test_sso_apps_are_served_from_the_institutions(rf, config):
    apps = SocialAccountAdapter().list_apps(rf.get("/"), provider=config.provider_id)
    assert [(app.provider, app.provider_id, app.client_id, app.name) for app in apps] == [
        ("openid_connect", config.provider_id, "alliance-hub", "University of Examples")
    ]


def test_sso_connections_page_offers_only_the_persons_own_institution(client, config):
    other = InstitutionFactory(slug="other", domains=["other.example"])
    InstitutionSSO.objects.create(
        institution=other,
        issuer_url="https://login.other.example",
        client_id="x",
        client_secret="y",
        enabled=True,
    )
    client.force_login(UserFactory(email="grace@uni.example"))
    response = client.get(reverse("socialaccount_connections"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "University of Examples" in page
    assert other.name not in page


def test_sso_save_refuses_a_representative(uni):
    from core.exceptions import NotPermitted
    from members import services
    from members.tests.factories import RepresentativeFactory

    representative = RepresentativeFactory(institution=uni).person
    with pytest.raises(NotPermitted):
        services.institution_sso_save(
            institution=uni,
            actor=representative,
            issuer_url="https://login.uni.example",
            client_id="hub",
            client_secret="s",
            trusts_email=False,
            enabled=True,
            required=False,
        )
    assert InstitutionSSO.objects.count() == 0


def test_sso_required_needs_the_institutions_domains(coordinator):
    from core.exceptions import DomainError
    from members import services

    bare = InstitutionFactory(domains=[])
    with pytest.raises(DomainError) as refused:
        services.institution_sso_save(
            institution=bare,
            actor=coordinator,
            issuer_url="https://login.uni.example",
            client_id="hub",
            client_secret="s",
            trusts_email=False,
            enabled=True,
            required=True,
        )
    assert refused.value.message == (
        "Add the institution's email domains first: they decide whom the sign-in is required of."
    )


def test_sso_start_refuses_past_its_limit_per_address_and_starts_nothing(
    client, provider, config, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "institution_sign_in": "2/m/ip"}
    # An address of its own: other tests' tries from the test client's count for theirs.
    address = {"REMOTE_ADDR": "203.0.113.7"}
    url = reverse("sso_start")
    tries = [client.post(url, {"email": "bob@elsewhere.example"}, **address) for _ in range(2)]

    refused = client.post(url, {"email": "ada@uni.example"}, **address)
    elsewhere = client.post(url, {"email": "bob@elsewhere.example"}, REMOTE_ADDR="203.0.113.8")

    assert [t.status_code for t in tries] == [200, 200]
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert "Location" not in refused
    assert elsewhere.status_code == 200
    assert client.get(url, **address).status_code == 200
