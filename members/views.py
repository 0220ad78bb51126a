"""Pages for institutions, people and affiliations: permission → form → service → response.

A permission failure on an object answers 404, so nobody learns what they may not see.
"""

from __future__ import annotations

from copy import copy
from urllib.parse import urlsplit

import rules
from allauth.core import ratelimit
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from requests import RequestException

from core.exceptions import DomainError
from core.http import (
    HtmxHttpRequest,
    language_cookie_set,
    render_page,
    safe_next_url,
    vary_on_htmx,
)
from core.pagecache import member_page, public_page
from members import selectors, services, sso
from members.enums import InstitutionStatus, Language
from members.forms import (
    InstitutionFilterForm,
    InstitutionForm,
    InstitutionSignInForm,
    InstitutionSSOForm,
    InstitutionStatusForm,
    MembershipRequestForm,
    MembershipRoleForm,
    ProfileForm,
)
from members.models import Institution, InstitutionSSO, Membership
from members.rules import forget_affiliations
from members.sso import InstitutionOIDCAdapter, InstitutionOIDCProvider

# Institutions ---------------------------------------------------------------------------


@public_page
@require_GET
def institution_list(request: HtmxHttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(
        request.GET,
        country_choices=selectors.institution_country_choices(user=request.user),
        competence_choices=selectors.competence_choices(),
    )
    filters = form.filters()
    institutions = selectors.institution_directory(user=request.user, **filters)
    page_obj = Paginator(institutions, selectors.DIRECTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page_obj": page_obj,
        "is_filtered": any(filters.values()),
        # Asked of rules alone: the model backend would query permissions it does not hold.
        "can_create": rules.has_perm("members.create_institution", request.user),
    }
    return render_page(request, "members/institution_list.html", context, partial="results")


@public_page
@require_GET
def institution_detail(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(selectors.institution_profiles(user=request.user), slug=slug)
    can_manage = request.user.has_perm("members.manage_people", institution)
    # A large institution has hundreds of people: the page shows them a page at a time.
    people = Paginator(
        selectors.institution_people(user=request.user, institution=institution),
        selectors.PEOPLE_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {
        "institution": institution,
        "people": people,
        "can_edit": request.user.has_perm("members.edit_institution", institution),
        "can_manage": can_manage,
        "can_set_status": request.user.has_perm("members.suspend_institution", institution),
        "can_view_sso": request.user.has_perm("members.view_sso", institution),
        "can_configure_sso": request.user.has_perm("members.configure_sso", institution),
        "pending_count": (
            selectors.institution_pending(institution=institution).count() if can_manage else 0
        ),
        "statuses": InstitutionStatus,
    }
    if context["can_view_sso"]:
        try:
            context["sso"] = institution.sso
        except InstitutionSSO.DoesNotExist:
            context["sso"] = None
    return render(request, "members/institution_detail.html", context)


@require_http_methods(["GET", "POST"])
def institution_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("members.create_institution"):
        raise Http404
    form = InstitutionForm(
        request.POST if request.method == "POST" else None,
        is_coordinator=True,
        vocabulary=selectors.competence_vocabulary(),
    )
    if form.is_valid():
        try:
            institution = services.institution_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("%(institution)s was created.") % {"institution": institution}
            )
            return redirect(institution)
    return render(request, "members/institution_form.html", {"form": form, "institution": None})


@require_http_methods(["GET", "POST"])
def institution_edit(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(selectors.institution_profiles(user=request.user), slug=slug)
    if not request.user.has_perm("members.edit_institution", institution):
        raise Http404
    form = InstitutionForm(
        request.POST if request.method == "POST" else None,
        # The form writes into its instance while validating; keep the page's copy intact.
        instance=copy(institution),
        is_coordinator=request.user.is_coordinator,
        vocabulary=selectors.competence_vocabulary(),
        levels=selectors.institution_competence_levels(institution=institution),
    )
    if form.is_valid():
        try:
            institution = services.institution_update(
                institution=institution, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect(institution)
    context = {"form": form, "institution": institution}
    return render(request, "members/institution_form.html", context)


@require_POST
def institution_set_status(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.visible_to(request.user), slug=slug)
    if not request.user.has_perm("members.suspend_institution", institution):
        raise Http404
    form = InstitutionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect(institution)
    try:
        institution = services.institution_set_status(
            institution=institution, actor=request.user, status=form.cleaned_data["status"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(institution)s is now %(status)s.")
            % {
                "institution": institution,
                "status": institution.get_status_display().lower(),
            },
        )
    return redirect(institution)


@require_GET
def institution_people(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.visible_to(request.user), slug=slug)
    if not request.user.has_perm("members.manage_people", institution):
        raise Http404
    context = {
        "institution": institution,
        "pending": selectors.institution_pending(institution=institution),
        "people": selectors.institution_people(user=request.user, institution=institution),
        "layout": "people",
        "manage": True,
        "next_url": request.get_full_path(),
    }
    return render(request, "members/institution_people.html", context)


# Affiliations ---------------------------------------------------------------------------


def _membership_or_404(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("person", "institution"), pk=pk
    )


def _next_url(request: HttpRequest, membership: Membership) -> str:
    """Where the row's page is: the posted ``next`` when it is ours, else a sensible page."""
    if membership.person_id == request.user.pk:
        default = reverse("members:my_affiliations")
    else:
        default = reverse(
            "members:institution_people", kwargs={"slug": membership.institution.slug}
        )
    return safe_next_url(request, default)


def _membership_response(request: HtmxHttpRequest, membership: Membership) -> HttpResponse:
    """The updated row for htmx (with the messages swapped in out of band), else a redirect."""
    next_url = _next_url(request, membership)
    if not request.htmx:
        return vary_on_htmx(redirect(next_url))
    layout = request.POST.get("layout")
    if layout == "mine":
        template = "members/my_affiliations.html#membership_row"
    else:
        template = "members/institution_people.html#membership_row"
    context = {
        "membership": membership,
        "layout": layout,
        "manage": request.user.has_perm("members.manage_people", membership.institution),
        "next_url": next_url,
    }
    row = render_to_string(template, context, request)
    row += render_to_string("includes/messages_oob.html", {}, request)
    if layout in ("inbox", "people"):
        # The page's count of pending affiliations changes with the row: swap it too.
        if layout == "inbox":
            count_template = "members/representative_inbox.html#pending_count"
            pending = selectors.membership_inbox(user=request.user).count()
        else:
            count_template = "members/institution_people.html#pending_count"
            pending = selectors.institution_pending(institution=membership.institution).count()
        row += render_to_string(count_template, {"pending_count": pending, "oob": True}, request)
    return vary_on_htmx(HttpResponse(row))


def _act(request: HtmxHttpRequest, membership: Membership, action, success: str, **kwargs):
    try:
        membership = action(membership=membership, actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            success % {"person": membership.person, "institution": membership.institution},
        )
        if membership.person_id == request.user.pk:
            # The row rendered next asks the rules about the user, who may have stepped down.
            forget_affiliations(request.user)
    return _membership_response(request, membership)


@require_POST
def membership_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if not request.user.has_perm("members.decide_membership", membership):
        raise Http404
    return _act(
        request,
        membership,
        services.membership_approve,
        _("%(person)s is now a researcher at %(institution)s."),
    )


@require_POST
def membership_decline(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if not request.user.has_perm("members.decide_membership", membership):
        raise Http404
    return _act(
        request,
        membership,
        services.membership_decline,
        _("The affiliation of %(person)s with %(institution)s was declined."),
    )


@require_POST
def membership_end(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if not request.user.has_perm("members.end_membership", membership):
        raise Http404
    return _act(
        request,
        membership,
        services.membership_end,
        _("The affiliation of %(person)s with %(institution)s has ended."),
    )


@require_POST
def membership_set_role(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if not request.user.has_perm("members.manage_people", membership.institution):
        raise Http404
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return _membership_response(request, membership)
    return _act(
        request,
        membership,
        services.membership_set_role,
        _("%(person)s's role at %(institution)s was changed."),
        role=form.cleaned_data["role"],
    )


@member_page
@login_required
@require_GET
def representative_inbox(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(
        selectors.membership_inbox(user=request.user), selectors.INBOX_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "layout": "inbox",
        "manage": True,
        "next_url": request.get_full_path(),
    }
    return render(request, "members/representative_inbox.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_affiliations(request: HttpRequest) -> HttpResponse:
    form = MembershipRequestForm(
        request.POST if request.method == "POST" else None,
        institutions=selectors.requestable_institutions(person=request.user),
    )
    if form.is_valid():
        try:
            membership = services.membership_request(person=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Your request was sent to the representatives of %(institution)s.")
                % {"institution": membership.institution},
            )
            return redirect("members:my_affiliations")
    context = {
        "memberships": selectors.person_memberships(person=request.user),
        "form": form,
        "layout": "mine",
        "next_url": request.get_full_path(),
    }
    return render(request, "members/my_affiliations.html", context)


# People ---------------------------------------------------------------------------------


@public_page
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.person_profiles(), pk=pk)
    context = {
        "person": person,
        "affiliations": selectors.person_affiliations(user=request.user, person=person),
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "members/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    person = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        # The form writes into its instance while validating; the header keeps the saved name.
        instance=copy(person),
        vocabulary=selectors.competence_vocabulary(),
        levels=selectors.person_competence_levels(person=person),
    )
    if form.is_valid():
        try:
            services.person_update_profile(person=person, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("members:person_detail", pk=person.pk)
            language_cookie_set(response, language=person.language)
            return response
    return render(request, "members/profile_form.html", {"form": form})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in person keeps the choice on their profile."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in Language.values:
        services.person_set_language(person=request.user, language=Language(language))
    return response


# Single sign-on -------------------------------------------------------------------------


@sensitive_post_parameters("client_secret")
@login_required
@require_http_methods(["GET", "POST"])
def institution_sso(request: HttpRequest, slug: str) -> HttpResponse:
    """Configure the institution's provider; "Check" fetches its discovery document first."""
    institution = get_object_or_404(Institution.objects.visible_to(request.user), slug=slug)
    if not request.user.has_perm("members.configure_sso", institution):
        raise Http404
    config = InstitutionSSO.objects.filter(institution=institution).first()
    form = InstitutionSSOForm(
        request.POST if request.method == "POST" else None,
        instance=copy(config) if config else InstitutionSSO(institution=institution),
    )
    check = None
    if form.is_valid():
        if "check" in request.POST:
            check = sso.discovery_check(issuer_url=form.cleaned_data["issuer_url"])
        else:
            try:
                services.institution_sso_save(
                    institution=institution, actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Single sign-on was saved."))
                return redirect("members:institution_sso", slug=institution.slug)
    context = {
        "institution": institution,
        "form": form,
        "config": config,
        "check": check,
        "callback_url": request.build_absolute_uri(
            reverse(
                "openid_connect_callback", kwargs={"provider_id": f"institution-{institution.pk}"}
            )
        ),
    }
    return render(request, "members/institution_sso.html", context)


@require_http_methods(["GET", "POST"])
def sso_start(request: HttpRequest) -> HttpResponse:
    """ "Sign in with your institution": the address's domain picks the provider.

    Tries are limited per client address (``INSTITUTION_SIGN_INS_PER_ADDRESS`` a minute):
    each looks up a domain and may call an institution's provider.
    """
    if request.method == "POST" and (
        refused := ratelimit.consume_or_429(request, action="institution_sign_in")
    ):
        return refused
    form = InstitutionSignInForm(request.POST if request.method == "POST" else None)
    next_url = safe_next_url(request, default="")
    if form.is_valid():
        provider = InstitutionOIDCProvider(request, app=sso.social_app(form.config))
        try:
            response = provider.redirect(request, AuthProcess.LOGIN, next_url=next_url or None)
            return _leave_for_provider(request, response)
        except (OAuth2Error, RequestException, KeyError, ValueError):
            messages.error(
                request,
                _(
                    "The sign-in service of %(institution)s does not answer. Try again later, "
                    "or sign in with your email address."
                )
                % {"institution": form.config.institution},
            )
            return redirect("account_login")
    context = {"form": form, "next": next_url or request.GET.get("next", "")}
    return render(request, "account/institution_login.html", context)


def sso_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's start of a sign-in (or a connection) through one institution's provider."""
    try:
        view = OAuth2LoginView.adapter_view(InstitutionOIDCAdapter(request, provider_id))
        return _leave_for_provider(request, view(request))
    except SocialApp.DoesNotExist as missing:
        raise Http404 from missing


class InstitutionCallbackView(OAuth2CallbackView):
    """allauth's callback, handing the unstashed state to the adapter for the nonce check."""

    def dispatch(self, request, *args, **kwargs):
        # allauth reads the provider's discovery document before its own error handling: a
        # provider that is down or answers garbage there ends the sign-in as any other error.
        try:
            return super().dispatch(request, *args, **kwargs)
        except (RequestException, ValueError, KeyError) as error:
            return render_authentication_error(
                request, self.adapter.get_provider(), exception=error
            )

    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.state = state  # type: ignore[attr-defined]
        return state, response


def sso_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = InstitutionCallbackView.adapter_view(InstitutionOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as missing:
        raise Http404 from missing


def _leave_for_provider(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Turn a redirect to another site into a page that goes on by itself.

    The Content Security Policy allows forms to post to this site only (``form-action``),
    and browsers apply that to the redirect that answers the post as well: the provider's
    login page is reached through a page of ours instead, which links and refreshes to it.
    """
    location = response.get("Location", "") if response.status_code == 302 else ""
    if not location or url_has_allowed_host_and_scheme(
        location, allowed_hosts={request.get_host()}
    ):
        return response
    page = render(request, "account/institution_redirect.html", {"location": location})
    add_never_cache_headers(page)
    return page


def idp_authorization(request: HttpRequest) -> HttpResponse:
    """The provider's consent page, allowed to send its answer back to the client's site.

    The consent form posts here, and its answer redirects to the client's redirect URI: the
    page's ``form-action`` names that URI's origin when the client registered it.
    """
    response = oidc_views.authorization(request)
    params = request.POST if request.method == "POST" else request.GET
    redirect_uri = params.get("redirect_uri", "")
    client = OIDCClient.objects.filter(pk=params.get("client_id", "")).first()
    if client is not None and redirect_uri in client.get_redirect_uris():
        parts = urlsplit(redirect_uri)
        policy = dict(settings.SECURE_CSP)
        policy["form-action"] = [*policy["form-action"], f"{parts.scheme}://{parts.netloc}"]
        response._csp_config = policy  # type: ignore[attr-defined]
    return response
