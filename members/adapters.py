"""The one place where allauth's account and single sign-on behaviour is customised."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.base.constants import AuthError
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.http import language_cookie_set
from core.mail import email_send_later
from members import services, sso
from members.enums import Language
from members.models import InstitutionSSO


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request, email_address) -> bool:
        """Verify the address, then affiliate its owner with the institution owning its domain."""
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            membership = services.membership_from_verified_email(
                person=email_address.user, email=email_address.email
            )
            if membership is not None and membership.is_pending:
                messages.info(
                    request,
                    _(
                        "Your address matches %(institution)s. A representative will review "
                        "your affiliation."
                    )
                    % {"institution": membership.institution},
                )
            elif membership is not None:
                messages.success(
                    request,
                    _("You are now a researcher at %(institution)s.")
                    % {"institution": membership.institution},
                )
        return confirmed

    def save_user(self, request, user, form, commit=True):
        """Create the account in the language its owner signed up in."""
        if (language := translation.get_language()) in Language.values:
            user.language = language
        return super().save_user(request, user, form, commit=commit)

    def post_login(self, request, user, **kwargs) -> HttpResponse:
        """Switch to the language kept on the profile of the person who signs in.

        After a sign-in through an institution whose provider vouched for the address, the
        person is affiliated as a verified address would affiliate them.
        """
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None:
            _affiliate_from_sso(request, user=user, sociallogin=sociallogin)
        response = super().post_login(request, user, **kwargs)
        translation.activate(user.language)
        language_cookie_set(response, language=user.language)
        return response

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """Refuse a sign-in past the failure limits with 429 and the reason, not a 200 form.

        allauth refuses inside the login form, which renders again with 200: clients and
        proxies could not tell a refusal from a typo.
        """
        email = credentials.get("email") or ""
        if email and (config := sso.sso_required_for_email(email)) is not None:
            messages.error(request, sso.required_message(config))
            raise ImmediateHttpResponse(redirect("account_login"))
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as refused:
            response = render(request, "429.html", {"message": refused.messages[0]}, status=429)
            # The oldest failure counted has left the window by then, whichever limit held.
            response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
            add_never_cache_headers(response)
            raise ImmediateHttpResponse(response) from refused

    def clean_email(self, email: str) -> str:
        """Refuse a password account at a domain whose institution requires its own sign-in."""
        email = super().clean_email(email)
        if (config := sso.sso_required_for_email(email)) is not None:
            raise ValidationError(sso.required_message(config))
        return email

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the email here (the request's language and host), send it from the worker.

        Without django.contrib.sites allauth names the site after the request's host
        ("127.0.0.1:8000"); the emails name it Alliance Hub.
        """
        request = allauth_context.request
        host = request.get_host() if request else urlsplit(settings.SITE_URL).netloc
        site = SimpleNamespace(name=settings.SITE_NAME, domain=host)
        context = {"request": request, "email": email, "current_site": site, **context}
        email_send_later(message=self.render_mail(template_prefix, email, context))


def _affiliate_from_sso(request: HttpRequest, *, user, sociallogin: SocialLogin) -> None:
    """Affiliate the person by the address their institution's provider verified."""
    verified = {address.email for address in sociallogin.email_addresses if address.verified}
    address = EmailAddress.objects.filter(user=user, email__in=verified, verified=True).first()
    if address is None:
        return
    membership = services.membership_from_verified_email(person=user, email=address.email)
    if membership is not None and membership.is_pending:
        messages.info(
            request,
            _(
                "Your address matches %(institution)s. A representative will review your affiliation."
            )
            % {"institution": membership.institution},
        )


def _back_to_login(request: HttpRequest, message: str) -> ImmediateHttpResponse:
    """End a sign-in through an institution on the sign-in page, with the reason."""
    messages.error(request, message)
    return ImmediateHttpResponse(redirect("account_login"))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through the institutions' own OpenID Connect providers, one app per institution."""

    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "no_password": gettext_lazy("Set a password first: this is your only way to sign in."),
    }

    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        """Every institution's configuration as an allauth app (its own row is the source)."""
        configs = InstitutionSSO.objects.select_related("institution").order_by("institution_id")
        apps = [sso.social_app(config) for config in configs]
        if provider:
            apps = [app for app in apps if provider in (app.provider, app.provider_id)]
        if client_id:
            apps = [app for app in apps if app.client_id == client_id]
        return apps

    def list_providers(self, request: HttpRequest):
        """The providers offered to connect: the active ones of the person's own institutions.

        Fifty institutions may have one; a person connects only theirs (by an address at
        its domains or an affiliation), and never a provider that is switched off.
        """
        user = request.user
        if not user.is_authenticated:
            return []
        institutions = set(user.memberships.active().values_list("institution_id", flat=True))
        for address in EmailAddress.objects.filter(user=user).values_list("email", flat=True):
            if (institution := services.institution_for_email(address)) is not None:
                institutions.add(institution.pk)
        return [
            provider
            for provider in super().list_providers(request)
            if provider.app is not None
            and provider.app.settings.get("active")
            and provider.app.settings.get("institution_id") in institutions
        ]

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Refuse a switched-off provider, and a new account that would take a member's address."""
        app = sociallogin.account.get_provider().app
        if not app.settings.get("active"):
            raise _back_to_login(
                request,
                _("Sign-in with %(institution)s is switched off.") % {"institution": app.name},
            )
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            # Connecting: the person proved they own the account by signing in to it.
            return
        unverified = [a.email for a in sociallogin.email_addresses if not a.verified]
        if unverified and EmailAddress.objects.filter(email__in=unverified).exists():
            # The provider did not vouch for the address (or the institution does not trust
            # it): whoever owns the account here must sign in first and connect from there.
            raise _back_to_login(
                request,
                _(
                    "An account with the address %(email)s exists already. Sign in to it "
                    "first, then connect your institution's sign-in on your account page."
                )
                % {"email": unverified[0]},
            )

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data):
        """The name and address the provider gives, in the language of the page."""
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").strip().lower()
        name = (data.get("name") or "").strip() or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.display_name = (name or user.email.split("@")[0])[:120]
        if (language := translation.get_language()) in Language.values:
            user.language = language
        return user

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        """Create the account at once when the provider gave an address nobody here uses."""
        email = sociallogin.user.email if sociallogin.user else ""
        return bool(email) and not EmailAddress.objects.filter(email__iexact=email).exists()

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        """Every failed sign-in through an institution ends on the sign-in page, with the reason."""
        if error == AuthError.CANCELLED:
            message = _("You cancelled the sign-in at your institution. Nothing was changed.")
        else:
            message = _(
                "The sign-in with your institution did not succeed, and nothing was changed. "
                "Try again, or sign in with your email address."
            )
        raise _back_to_login(request, message)

    def validate_disconnect(self, account, accounts) -> None:
        """Keep a way in (allauth checks the password), and the sign-in an institution requires."""
        if len(accounts) > 1:
            return
        if sso.sso_required_for_email(account.user.email) is not None:
            raise ValidationError(
                _("Your institution requires its own sign-in: it cannot be disconnected.")
            )


class IdentityProviderAdapter(DefaultOIDCAdapter):
    """The provider the app serves itself, under /idp/ (the demo institution's, the tests')."""

    def get_issuer(self) -> str:
        configuration = self.request.build_absolute_uri(reverse("idp:oidc:configuration"))
        return configuration.removesuffix("/.well-known/openid-configuration")
