"""Account flows through django-allauth: sign-up, verification, login, reset, MFA, sessions.

Also checks that every restyled account page renders in the site layout, keeps the
Content Security Policy (no inline script or style) and labels every form control.
"""

from __future__ import annotations

import base64
import html
import io
import re
import time
import uuid
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from celery import current_app
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from core import mail as core_mail
from core.tasks import task_send_email
from members.enums import MembershipSource, MembershipStatus
from members.models import Membership, User
from members.tests.factories import PASSWORD, UserFactory

# Account emails are sent by a task: run it here, so that mail.outbox receives them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

NEW_PASSWORD = "an-unusual-passphrase-for-tests-42"
DASHBOARD_URL = "/dashboard/"
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/confirm-email/[^/\s]+/)")
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)")
WRONG_CREDENTIALS = "The email address and/or password you specified are not correct."


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Rate limits and used TOTP codes live in the cache: give every test its own keys."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"accounts-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture
def outbox():
    """Django 6.1's locmem backend creates mail.outbox lazily, so pytest-django's
    ``mailoutbox`` can hand out a list nobody appends to; start a fresh one here."""
    mail.outbox = []
    return mail.outbox


@pytest.fixture(autouse=True)
def _totp_tolerance(settings):
    """Accept the neighbouring time steps so a code computed at a 30 s boundary still works."""
    settings.MFA_TOTP_TOLERANCE = 1


# Helpers ----------------------------------------------------------------------------


def sign_up(client, email, *, name="Dr. Lena Maier"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": name,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def log_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def reauthenticate(client, password=PASSWORD):
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def totp_code(secret: str) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def signed_in_user(client, **factory_kwargs) -> User:
    user = UserFactory(**factory_kwargs)
    response = log_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    return user


def activate_mfa(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def is_signed_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


class ParsedPage(HTMLParser):
    """The tags, attributes and script bodies of an HTML page."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: tuple[dict[str, str | None], list[str]] | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "script":
            self._script = (attributes, [])

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def find_all(self, tag, **attrs):
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(name) == value for name, value in attrs.items())
        ]

    def with_class(self, tag, css_class):
        return [a for a in self.find_all(tag) if css_class in (a.get("class") or "").split()]


def page_of(response) -> ParsedPage:
    return ParsedPage(response.content.decode())


def assert_csp_clean(response) -> ParsedPage:
    """A CSP header without 'unsafe-inline', and nothing on the page that would need it."""
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    page = page_of(response)
    inline_scripts = [
        attrs
        for attrs, _ in page.scripts
        if not attrs.get("src") and attrs.get("type") != "application/json"
    ]
    assert inline_scripts == []
    assert [tag for tag, attrs in page.elements if "style" in attrs] == []
    assert page.find_all("style") == []
    handlers = [
        (tag, name) for tag, attrs in page.elements for name in attrs if name.startswith("on")
    ]
    assert handlers == []
    return page


def assert_controls_labelled(page: ParsedPage) -> None:
    """Every visible control has a <label for>, every aria-describedby points at an element."""
    ids = {attrs["id"] for _, attrs in page.elements if attrs.get("id")}
    labelled = {attrs.get("for") for attrs in page.find_all("label")}
    controls = [
        attrs
        for tag, attrs in page.elements
        if tag in ("textarea", "select")
        or (tag == "input" and attrs.get("type") not in ("hidden", "submit", "button"))
    ]
    unlabelled = [attrs for attrs in controls if not attrs.get("id") or attrs["id"] not in labelled]
    assert unlabelled == []
    described_by = {
        target
        for _, attrs in page.elements
        for target in (attrs.get("aria-describedby") or "").split()
    }
    assert described_by - ids == set()


# Sign-up and email verification ---------------------------------------------------------


def test_signup_creates_unverified_account_and_sends_one_verification_email(
    client, outbox, institution
):
    response = sign_up(client, "lena.maier@tum.de")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="lena.maier@tum.de")
    assert user.display_name == "Dr. Lena Maier"
    assert user.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("lena.maier@tum.de", False, True)
    assert not is_signed_in(client, user)
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ["lena.maier@tum.de"]
    assert message.subject == "[Alliance Hub] Please Confirm Your Email Address"
    assert len(CONFIRM_LINK.findall(message.body)) == 1
    # The affiliation waits for the verified address.
    assert Membership.objects.filter(person=user).count() == 0


def test_verification_email_names_the_site_alliance_hub_not_the_host(client, outbox):
    sign_up(client, "lena.maier@tum.de")

    lines = outbox[0].body.splitlines()
    assert lines[0] == "Hello from Alliance Hub!"
    assert lines[-2:] == ["Thank you for using Alliance Hub!", "testserver"]


def test_verification_email_on_the_console_keeps_its_link_on_one_line(client, settings):
    console = io.StringIO()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.console.EmailBackend",
            "OPTIONS": {"stream": console},
        }
    }

    sign_up(client, "lena.maier@tum.de")

    printed = console.getvalue()
    assert "Content-Transfer-Encoding: 7bit" in printed.splitlines()
    links = [line for line in printed.splitlines() if "/accounts/confirm-email/" in line]
    assert len(links) == 1
    link = CONFIRM_LINK.search(links[0]).group(1)
    assert client.get(link).status_code == 200  # the very link a person copies works


def test_account_emails_are_rendered_in_the_request_and_sent_by_a_task(client, outbox, monkeypatch):
    enqueued = []
    monkeypatch.setattr(
        core_mail, "enqueue", lambda name, **kwargs: enqueued.append((name, kwargs)) or True
    )

    sign_up(client, "lena.maier@tum.de")

    assert outbox == []  # the worker sends it
    [(name, kwargs)] = enqueued
    assert name == "core.tasks.task_send_email"
    assert kwargs["message"]["to"] == ["lena.maier@tum.de"]
    assert CONFIRM_LINK.search(kwargs["message"]["body"]) is not None

    task_send_email.apply(kwargs=kwargs)

    assert [m.subject for m in outbox] == ["[Alliance Hub] Please Confirm Your Email Address"]


def test_account_email_is_sent_from_the_request_while_the_broker_is_down(
    client, outbox, monkeypatch
):
    monkeypatch.setattr(core_mail, "enqueue", lambda name, **kwargs: False)
    current_app.conf.task_always_eager = False  # a broker, down; eager_tasks restores it

    sign_up(client, "lena.maier@tum.de")

    assert [m.to for m in outbox] == [["lena.maier@tum.de"]]


def test_signup_page_shows_name_field_and_affiliation_note(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "email",
        "display_name",
        "password1",
        "password2",
    ]
    page = page_of(response)
    assert page.find_all("label", **{"for": "id_display_name"}) != []
    assert page.find_all("input", name="display_name", type="text") != []
    assert page.find_all("input", name="email", type="email", autocomplete="email") != []
    assert len(page.find_all("input", autocomplete="new-password")) == 2
    assert (
        "Sign up with your institution's email address: once you have verified it, you are "
        "affiliated with your institution (a representative may need to confirm)."
    ) in html.unescape(response.content.decode())


def test_signup_with_bad_input_shows_errors_tied_to_fields_and_creates_nothing(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-address", "display_name": "", "password1": "123", "password2": "1234"},
    )

    assert response.status_code == 200
    assert User.objects.count() == 0
    page = page_of(response)
    email_input = page.find_all("input", name="email")[0]
    assert email_input["aria-invalid"] == "true"
    assert email_input["aria-describedby"] == "id_email_error"
    assert page.find_all("ul", id="id_email_error") != []
    assert page.find_all("input", name="display_name")[0]["aria-describedby"] == (
        "id_display_name_helptext id_display_name_error"
    )
    assert_controls_labelled(page)


def test_email_confirmation_link_verifies_address_logs_in_and_creates_pending_membership(
    client, outbox, institution
):
    sign_up(client, "lena.maier@tum.de")
    link = CONFIRM_LINK.search(outbox[0].body).group(1)

    page = client.get(link)

    assert page.status_code == 200
    assert "account/email_confirm.html" in [t.name for t in page.templates]
    assert b"lena.maier@tum.de" in page.content
    assert_csp_clean(page)
    user = User.objects.get(email="lena.maier@tum.de")
    assert EmailAddress.objects.get(user=user).verified is False  # GET changes nothing

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert EmailAddress.objects.get(user=user).verified is True
    assert is_signed_in(client, user)
    membership = Membership.objects.get(person=user)
    assert membership.institution == institution
    assert membership.status == MembershipStatus.PENDING == "pending"
    assert membership.source == MembershipSource.EMAIL_DOMAIN == "email_domain"
    assert (
        "Your address matches Technical University of Munich. A representative will review "
        "your affiliation."
    ) in [str(m) for m in get_messages(response.wsgi_request)]


def test_email_confirmation_at_unknown_domain_creates_no_membership(client, outbox, institution):
    sign_up(client, "lena@unaffiliated.example")
    link = CONFIRM_LINK.search(outbox[0].body).group(1)

    response = client.post(link)

    user = User.objects.get(email="lena@unaffiliated.example")
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert is_signed_in(client, user)
    assert Membership.objects.count() == 0


def test_email_confirmation_with_invalid_key_changes_nothing(client, outbox):
    sign_up(client, "lena@unaffiliated.example")
    url = reverse("account_confirm_email", args=["not-a-key"])

    page = client.get(url)
    response = client.post(url)

    assert page.status_code == 200
    assert b"This email confirmation link expired or is invalid." in page.content
    assert response.status_code == 404
    assert EmailAddress.objects.get(email="lena@unaffiliated.example").verified is False


# Login -----------------------------------------------------------------------------


def test_login_before_verification_redirects_to_verification_sent(client, outbox):
    sign_up(client, "lena@unaffiliated.example")
    user = User.objects.get(email="lena@unaffiliated.example")

    response = log_in(client, "lena@unaffiliated.example", NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_signed_in(client, user)
    page = client.get(response["Location"])
    assert b"Verify Your Email Address" in page.content


def test_login_form_asks_for_email_and_user_model_has_no_username(client):
    response = client.get(reverse("account_login"))

    assert list(response.context["form"].fields) == ["login", "password", "remember"]
    page = page_of(response)
    login_input = page.find_all("input", name="login")[0]
    assert (login_input["type"], login_input["autocomplete"]) == ("email", "email")
    assert page.find_all("input", name="password")[0]["autocomplete"] == "current-password"
    assert page.find_all("input", name="username") == []
    assert page.find_all("label", **{"for": "id_login"}) != []
    assert User.USERNAME_FIELD == "email"
    with pytest.raises(FieldDoesNotExist):
        User._meta.get_field("username")


def test_login_with_email_and_password_signs_in(client):
    user = UserFactory(email="lena@people.example")

    response = log_in(client, "Lena@People.example")

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert is_signed_in(client, user)


def test_login_with_wrong_password_is_refused(client):
    user = UserFactory()

    response = log_in(client, user.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [WRONG_CREDENTIALS]
    assert not is_signed_in(client, user)


TOO_MANY_FAILURES = "Too many failed login attempts. Try again later."


def paragraphs(response) -> list[str]:
    found = re.findall(r"<p>(.*?)</p>", response.content.decode(), flags=re.S)
    return [" ".join(html.unescape(text).split()) for text in found]


def test_login_sixth_failure_for_one_account_answers_429_with_the_reason(client):
    user = UserFactory()
    for _ in range(5):
        failed = log_in(client, user.email, "not-the-password")
        assert (failed.status_code, failed.context["form"].non_field_errors()) == (
            200,
            [WRONG_CREDENTIALS],
        )

    # Even the right password is refused while the limit holds.
    response = log_in(client, user.email, PASSWORD)

    assert (response.status_code, response["Retry-After"]) == (429, "300")
    assert "no-cache" in response["Cache-Control"]
    assert paragraphs(response)[:2] == [
        TOO_MANY_FAILURES,
        "If you have forgotten your password, you can set a new one.",
    ]
    assert not is_signed_in(client, user)


def test_login_failures_from_one_address_do_not_lock_other_accounts(client):
    # A campus NAT: a dozen typos by colleagues behind the same address.
    for user in UserFactory.create_batch(3):
        for _ in range(4):
            assert log_in(client, user.email, "not-the-password").status_code == 200
    colleague = UserFactory()

    response = log_in(client, colleague.email, PASSWORD)

    assert response["Location"] == DASHBOARD_URL
    assert is_signed_in(client, colleague)


def test_login_failures_from_one_address_lock_it_past_the_generous_limit(client, settings):
    # The per-address limit in force, made small here (settings.LOGIN_FAILURES_PER_ADDRESS).
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "8/300s/ip,5/300s/key"}
    for user in UserFactory.create_batch(2):
        for _ in range(4):
            assert log_in(client, user.email, "not-the-password").status_code == 200
    colleague = UserFactory()

    response = log_in(client, colleague.email, PASSWORD)

    assert (response.status_code, paragraphs(response)[0]) == (429, TOO_MANY_FAILURES)
    assert not is_signed_in(client, colleague)


def test_login_failures_behind_a_trusted_proxy_count_per_client_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "4/300s/ip,5/300s/key"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(4):
        log_in(client, "someone@people.example", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
    user = UserFactory()

    elsewhere = log_in(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert elsewhere["Location"] == DASHBOARD_URL


def test_login_limits_are_strict_per_account_and_generous_per_address(settings):
    assert settings.ACCOUNT_RATE_LIMITS == {
        "login_failed": "100/300s/ip,5/300s/key",
        "institution_sign_in": "30/m/ip",
    }


# Password reset ------------------------------------------------------------------------


def test_password_reset_sends_email_whose_link_sets_a_new_password(client, outbox):
    user = UserFactory(email="lena@people.example")

    response = client.post(reverse("account_reset_password"), {"email": "lena@people.example"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(outbox) == 1
    assert outbox[0].to == ["lena@people.example"]
    assert outbox[0].subject == "[Alliance Hub] Password Reset Email"
    link = RESET_LINK.search(outbox[0].body).group(1)

    # allauth moves the key into the session and redirects to a key-less URL.
    stashed = client.get(link)
    assert stashed.status_code == 302
    form_page = client.get(stashed["Location"])
    assert form_page.status_code == 200
    assert list(form_page.context["form"].fields) == ["password1", "password2"]
    assert_controls_labelled(assert_csp_clean(form_page))

    done = client.post(stashed["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert log_in(client, user.email, NEW_PASSWORD)["Location"] == DASHBOARD_URL


# Admin ---------------------------------------------------------------------------------


def test_admin_login_redirects_to_allauth_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_user_signed_in_through_allauth_reaches_admin_index(client):
    staff = UserFactory(is_staff=True, is_superuser=True)

    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )

    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert b"Alliance Hub administration" in index.content
    assert "admin/index.html" in [t.name for t in index.templates]


def test_admin_login_refuses_signed_in_non_staff_user(client):
    signed_in_user(client)

    response = client.get("/admin/login/")

    assert response.status_code == 403


# Two-factor authentication -----------------------------------------------------------


def test_totp_activation_shows_qr_code_and_creates_authenticator_and_recovery_codes(client):
    user = signed_in_user(client)
    reauthenticate(client)

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    page = assert_csp_clean(response)
    assert_controls_labelled(page)
    (qr,) = page.with_class("img", "qr-code")
    prefix = "data:image/svg+xml;base64,"
    assert qr["src"].startswith(prefix)
    assert b"<svg" in base64.b64decode(qr["src"][len(prefix) :])
    (secret_input,) = page.find_all("input", id="authenticator_secret")
    assert "readonly" in secret_input  # selectable, so it can be copied into an app
    secret = secret_input["value"]
    assert secret == client.session["mfa.totp.secret"]
    assert page.find_all("input", name="code")[0]["autocomplete"] == "one-time-code"

    code = totp_code(secret)
    wrong = client.post(
        reverse("mfa_activate_totp"), {"code": f"{(int(code) + 500_000) % 10**6:06}"}
    )
    assert wrong.context["form"].errors == {"code": ["Incorrect code."]}
    assert Authenticator.objects.filter(user=user).count() == 0

    activated = client.post(reverse("mfa_activate_totp"), {"code": code})

    assert activated.status_code == 302
    assert activated["Location"] == reverse("mfa_view_recovery_codes")
    assert sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == [
        "recovery_codes",
        "totp",
    ]
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    unused = RecoveryCodes(recovery).get_unused_codes()
    assert len(unused) == 10
    codes_page = client.get(activated["Location"])
    assert codes_page.status_code == 200
    assert all(c in codes_page.content.decode() for c in unused)

    # From now on signing in takes the second factor.
    client.post(reverse("account_logout"))
    assert log_in(client, user.email)["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client, user)


def test_login_asks_for_second_factor_once_totp_is_active(client):
    user = UserFactory()
    secret = activate_mfa(user)

    response = log_in(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client, user)
    prompt = client.get(reverse("mfa_authenticate"))
    assert list(prompt.context["form"].fields) == ["code"]
    code = totp_code(secret)
    wrong = client.post(
        reverse("mfa_authenticate"), {"code": f"{(int(code) + 500_000) % 10**6:06}"}
    )
    assert wrong.context["form"].errors == {"code": ["Incorrect code."]}
    assert not is_signed_in(client, user)

    done = client.post(reverse("mfa_authenticate"), {"code": code})

    assert done.status_code == 302
    assert done["Location"] == DASHBOARD_URL
    assert is_signed_in(client, user)


def test_login_accepts_recovery_code_as_second_factor_once(client):
    user = UserFactory()
    activate_mfa(user)
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(recovery).get_unused_codes()[0]
    log_in(client, user.email)

    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response["Location"] == DASHBOARD_URL
    assert is_signed_in(client, user)
    recovery.refresh_from_db()
    assert code not in RecoveryCodes(recovery).get_unused_codes()


# Sessions ------------------------------------------------------------------------------


def test_sessions_page_lists_current_session(client):
    user = UserFactory()
    log_in(client, user.email, headers={"User-Agent": "AllianceTest/1.0"})

    response = client.get(reverse("usersessions_list"), headers={"User-Agent": "AllianceTest/1.0"})

    assert response.status_code == 200
    sessions = list(response.context["sessions"])
    assert [(s.user_id, s.session_key, s.user_agent) for s in sessions] == [
        (user.pk, client.session.session_key, "AllianceTest/1.0")
    ]
    page = page_of(response)
    assert len(page.find_all("tr")) == 2  # header and the one session
    assert len(page.with_class("span", "badge")) == 1
    assert b"Current" in response.content


# Every restyled page ---------------------------------------------------------------------

ENTRANCE, MANAGE = "entrance", "manage"
ANONYMOUS, MEMBER, MFA_MEMBER, SECOND_FACTOR = "anonymous", "member", "mfa member", "second factor"

PAGES = [
    # (url name, url kwargs, who asks, layout)
    ("account_login", {}, ANONYMOUS, ENTRANCE),
    ("account_signup", {}, ANONYMOUS, ENTRANCE),
    ("account_reset_password", {}, ANONYMOUS, ENTRANCE),
    ("account_reset_password_done", {}, ANONYMOUS, ENTRANCE),
    ("account_reset_password_from_key", {"uidb36": "0", "key": "bad-key"}, ANONYMOUS, ENTRANCE),
    ("account_reset_password_from_key_done", {}, ANONYMOUS, ENTRANCE),
    ("account_email_verification_sent", {}, ANONYMOUS, ENTRANCE),
    ("account_confirm_email", {"key": "bad-key"}, ANONYMOUS, ENTRANCE),
    ("account_email", {}, MEMBER, MANAGE),
    ("account_change_password", {}, MEMBER, MANAGE),
    ("account_logout", {}, MEMBER, MANAGE),
    ("account_reauthenticate", {}, MEMBER, ENTRANCE),
    ("mfa_index", {}, MEMBER, MANAGE),
    ("mfa_activate_totp", {}, MEMBER, MANAGE),
    ("usersessions_list", {}, MEMBER, MANAGE),
    ("socialaccount_connections", {}, MEMBER, MANAGE),
    ("sso_start", {}, ANONYMOUS, ENTRANCE),
    ("mfa_index", {}, MFA_MEMBER, MANAGE),
    ("mfa_deactivate_totp", {}, MFA_MEMBER, MANAGE),
    ("mfa_view_recovery_codes", {}, MFA_MEMBER, MANAGE),
    ("mfa_generate_recovery_codes", {}, MFA_MEMBER, MANAGE),
    ("mfa_reauthenticate", {}, MFA_MEMBER, ENTRANCE),
    ("mfa_authenticate", {}, SECOND_FACTOR, ENTRANCE),
]


def prepare(client, who):
    if who == ANONYMOUS:
        return
    if who == SECOND_FACTOR:
        user = UserFactory()
        activate_mfa(user)
        assert log_in(client, user.email)["Location"] == reverse("mfa_authenticate")
        return
    user = signed_in_user(client)
    reauthenticate(client)
    if who == MFA_MEMBER:
        activate_mfa(user)


@pytest.mark.parametrize(
    ("url_name", "kwargs", "who", "layout"),
    PAGES,
    ids=[f"{name}-{who}" for name, _, who, _ in PAGES],
)
def test_account_page_renders_in_site_layout_without_inline_script_or_style(
    client, url_name, kwargs, who, layout
):
    prepare(client, who)

    response = client.get(reverse(url_name, kwargs=kwargs))

    assert response.status_code == 200
    page = assert_csp_clean(response)
    assert_controls_labelled(page)
    assert page.find_all("link", rel="stylesheet", href="/static/css/accounts.css") != []
    assert page.with_class("header", "site-header") != []
    assert page.with_class("footer", "site-footer") != []
    assert len(page.find_all("h1")) == 1
    if layout == ENTRANCE:
        assert page.with_class("h1", "account-entrance") != []
        assert page.with_class("nav", "account-nav") == []
    else:
        assert page.with_class("h1", "account-manage") != []
        assert len(page.with_class("nav", "account-nav")) == 1


@pytest.mark.parametrize(
    ("url_name", "section"),
    [
        ("account_email", "Email addresses"),
        ("account_change_password", "Password"),
        ("mfa_index", "Two-factor authentication"),
        ("mfa_activate_totp", "Two-factor authentication"),
        ("usersessions_list", "Sessions"),
        ("socialaccount_connections", "Institution sign-in"),
    ],
)
def test_settings_navigation_marks_current_section(client, url_name, section):
    signed_in_user(client)
    reauthenticate(client)

    response = client.get(reverse(url_name))

    content = response.content.decode()
    start = content.index('<nav class="account-nav"')
    nav = content[start : content.index("</nav>", start)]
    current = re.findall(r'aria-current="page">([^<]+)</a>', nav)
    assert current == [section]
    assert re.findall(r">([^<>]+)</a>", nav) == [
        "Email addresses",
        "Password",
        "Institution sign-in",
        "Two-factor authentication",
        "Sessions",
    ]
