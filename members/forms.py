from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members import services, sso
from members.enums import CompetenceLevel, InstitutionKind, InstitutionStatus, MembershipRole
from members.models import (
    Competence,
    Institution,
    InstitutionDomain,
    InstitutionSSO,
    User,
    domain_validator,
    time_zone_names,
)

ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        help_text=_("As colleagues know you, e.g. Dr. Lena Maier."),
    )

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


# Filters --------------------------------------------------------------------------------


class InstitutionFilterForm(forms.Form):
    """The directory's search and filters; every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, city, topic…")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices]
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    competence = forms.ChoiceField(label=_("Competence"), required=False)

    def __init__(
        self,
        *args,
        country_choices: Iterable[tuple[str, str]],
        competence_choices: Mapping[str, list[tuple[str, str]]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries")), *country_choices]
        self.fields["competence"].choices = [
            ("", _("All competences")),
            *competence_choices.items(),
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one (e.g. an unknown country) is ignored, not fatal."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": data.get("q", ""),
            "kind": data.get("kind", ""),
            "country": data.get("country", ""),
            "competence": data.get("competence", ""),
        }


# Competences ----------------------------------------------------------------------------


class CompetenceLevelsMixin:
    """One level select per competence of the vocabulary.

    ``cleaned_data["competences"]`` maps each chosen Competence to its level, which is
    what the services take.
    """

    fields: dict[str, forms.Field]
    cleaned_data: dict
    # Proposals reuse the mixin with importance instead of level.
    level_choices: list[tuple[int, str]] = CompetenceLevel.choices

    def add_competence_fields(
        self, *, vocabulary: Iterable[Competence], levels: Mapping[int, int]
    ) -> None:
        self.competence_fields: dict[str, Competence] = {}
        for competence in vocabulary:
            name = f"competence_{competence.pk}"
            self.competence_fields[name] = competence
            self.fields[name] = forms.TypedChoiceField(
                label=competence.name,
                required=False,
                choices=[("", _("—")), *self.level_choices],
                coerce=int,
                empty_value=None,
                initial=levels.get(competence.pk),
            )

    def competence_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Bound competence fields grouped by focus area, for one fieldset each."""
        return [
            (area, [self[name] for name, _competence in group])  # type: ignore[index]
            for area, group in groupby(
                self.competence_fields.items(), key=lambda item: item[1].focus_area.name
            )
        ]

    def clean_competences(self) -> None:
        levels = {}
        for name, competence in self.competence_fields.items():
            level = self.cleaned_data.pop(name, None)
            if level is not None:
                levels[competence] = level
        self.cleaned_data["competences"] = levels


# Institutions ---------------------------------------------------------------------------


class InstitutionForm(CompetenceLevelsMixin, forms.ModelForm):
    """An institution's profile, email domains and competences.

    Only coordinators get the fields the services reserve for them.
    """

    domains = forms.CharField(
        label=_("Email domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One per line, e.g. tum.de. People who verify an address at one of these domains "
            "(or a sub-domain) are affiliated with the institution."
        ),
    )

    class Meta:
        model = Institution
        fields = [
            "name",
            "short_name",
            "slug",
            "kind",
            "country",
            "city",
            "website",
            "description",
            "capacity",
            "open_to_partnering",
            "trusts_email_domains",
            "founding_member",
            "status",
        ]
        help_texts = {"slug": _("Part of the page address, e.g. tum.")}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(
        self,
        *args,
        is_coordinator: bool,
        vocabulary: Iterable[Competence],
        levels: Mapping[int, int] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not is_coordinator:
            for name in services.COORDINATOR_ONLY_FIELDS:
                del self.fields[name]
        if self.instance.pk is not None and "domains" not in self.initial:
            self.initial["domains"] = "\n".join(d.domain for d in self.instance.domains.all())
        self.add_competence_fields(vocabulary=vocabulary, levels=levels or {})

    def coordinator_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in services.COORDINATOR_ONLY_FIELDS if name in self.fields]

    def clean_domains(self) -> list[str]:
        domains = services.normalise_domains(
            self.cleaned_data["domains"].replace(",", "\n").splitlines()
        )
        errors = []
        for domain in domains:
            try:
                domain_validator(domain)
            except ValidationError as error:
                errors.append(
                    gettext("%(domain)s: %(error)s") % {"domain": domain, "error": error.message}
                )
        if errors:
            raise ValidationError(errors)
        claimed = InstitutionDomain.objects.filter(domain__in=domains).select_related("institution")
        if self.instance.pk is not None:
            claimed = claimed.exclude(institution=self.instance)
        errors = [
            gettext("The domain %(domain)s already belongs to %(institution)s.")
            % {"domain": taken.domain, "institution": taken.institution}
            for taken in claimed
        ]
        if errors:
            raise ValidationError(errors)
        return domains

    def clean(self) -> dict:
        cleaned_data = super().clean()
        self.clean_competences()
        return cleaned_data


class InstitutionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=InstitutionStatus.choices)


# People ---------------------------------------------------------------------------------


class OrcidField(forms.CharField):
    """An ORCID iD, also accepted as its orcid.org address or with a lower-case check digit."""

    def to_python(self, value):
        value = super().to_python(value)
        for prefix in ORCID_PREFIXES:
            value = value.removeprefix(prefix)
        return value.upper()

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # The address form is longer than the iD itself; the length is checked after cleaning.
        attrs.pop("maxlength", None)
        return attrs


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in time_zone_names()]


class ProfileForm(CompetenceLevelsMixin, forms.ModelForm):
    # A list to choose from: a typed name such as "Berlin" would be refused anyway.
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        help_text=User._meta.get_field("time_zone").help_text,
    )

    class Meta:
        model = User
        fields = ["display_name", "bio", "orcid", "language", "time_zone", "open_to_partnering"]
        field_classes = {"orcid": OrcidField}
        help_texts = {
            "bio": _("What you work on, in a few sentences. Shown on your public profile."),
            "orcid": _("Optional, e.g. 0000-0002-1825-0097."),
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(
        self, *args, vocabulary: Iterable[Competence], levels: Mapping[int, int], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_competence_fields(vocabulary=vocabulary, levels=levels)

    def clean(self) -> dict:
        cleaned_data = super().clean()
        self.clean_competences()
        return cleaned_data


# Affiliations ---------------------------------------------------------------------------


class MembershipRequestForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), empty_label=_("Choose…")
    )
    message = forms.CharField(
        label=_("Message to the representatives"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who you are and what you work on there, so they can confirm it."),
    )

    def __init__(self, *args, institutions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MembershipRole.choices)


# Single sign-on -------------------------------------------------------------------------

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class InstitutionSSOForm(forms.ModelForm):
    """The institution's provider; the secret is write-only: never shown, kept when left empty."""

    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = InstitutionSSO
        fields = ["issuer_url", "client_id", "client_secret", "trusts_email", "enabled", "required"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        has_secret = bool(self.instance.pk and self.instance.client_secret)
        self.fields["client_secret"].help_text = (
            _("A secret is saved. Leave this empty to keep it; it is never shown again.")
            if has_secret
            else _("Given by the provider for this client. It is never shown again after saving.")
        )

    def clean_issuer_url(self) -> str:
        url = self.cleaned_data["issuer_url"].strip().rstrip("/")
        scheme, _sep, rest = url.partition("://")
        host = (
            rest.split("/", 1)[0].rsplit(":", 1)[0]
            if not rest.startswith("[")
            else rest.split("]", 1)[0] + "]"
        )
        if scheme != "https" and host not in LOOPBACK_HOSTS:
            raise ValidationError(
                _("The issuer must use https (plain http only on this machine, for testing).")
            )
        if "?" in url or "#" in url:
            raise ValidationError(_("The issuer URL takes no query or fragment."))
        return url

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("required") and not cleaned.get("enabled"):
            self.add_error("required", _("Single sign-on can only be required while it is on."))
        has_secret = bool(self.instance.pk and self.instance.client_secret)
        if cleaned.get("enabled") and not (cleaned.get("client_secret") or has_secret):
            self.add_error("client_secret", _("Enter the client secret to switch the sign-in on."))
        return cleaned


class InstitutionSignInForm(forms.Form):
    """Home-realm discovery: the address tells which institution's provider signs the person in."""

    email = forms.EmailField(
        label=_("Your email address at your institution"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        config = sso.sso_for_email(email)
        if config is None:
            raise ValidationError(
                _(
                    "Your institution has no single sign-on here. Sign in with your email "
                    "address and password instead."
                ),
                code="no_sso",
            )
        self.config = config
        return email
