"""The one place where allauth's account behaviour is customised."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from core.http import language_cookie_set
from core.mail import email_send_later
from members import services
from members.enums import Language


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
        """Switch to the language kept on the profile of the person who signs in."""
        response = super().post_login(request, user, **kwargs)
        translation.activate(user.language)
        language_cookie_set(response, language=user.language)
        return response

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """Refuse a sign-in past the failure limits with 429 and the reason, not a 200 form.

        allauth refuses inside the login form, which renders again with 200: clients and
        proxies could not tell a refusal from a typo.
        """
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as refused:
            response = render(request, "429.html", {"message": refused.messages[0]}, status=429)
            # The oldest failure counted has left the window by then, whichever limit held.
            response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW)
            add_never_cache_headers(response)
            raise ImmediateHttpResponse(response) from refused

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
