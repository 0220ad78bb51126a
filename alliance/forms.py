from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from members.enums import InstitutionKind

# Longer queries are refused with a message: websearch parses the whole text on every row.
QUERY_MAX_LENGTH = 200


KINDS = [
    ("", _("Everything")),
    ("projects", _("Projects")),
    ("institutions", _("Institutions")),
    ("people", _("People")),
]
# The filters that narrow one kind of result; choosing one leaves the other kinds out.
PROJECT_FILTERS = ("focus_area", "stage")
INSTITUTION_FILTERS = ("country", "institution_kind")


class SearchForm(forms.Form):
    """The site search: a query, the kind of result and the filters; all optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "max_length": _("Please shorten your search to at most %(limit_value)d characters.")
        },
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Projects, institutions, people…")}
        ),
    )
    kind = forms.ChoiceField(label=_("Show"), required=False, choices=KINDS)
    # Narrows every kind: the projects that need it, the institutions and people who offer it.
    competence = forms.ChoiceField(label=_("Competence"), required=False)
    focus_area = forms.ChoiceField(label=_("Focus area"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    institution_kind = forms.ChoiceField(
        label=_("Institution kind"),
        required=False,
        choices=[("", _("All kinds")), *InstitutionKind.choices],
    )

    def __init__(
        self,
        *args,
        focus_area_choices: Iterable[tuple[str, str]],
        stage_choices: Iterable[tuple[str, str]],
        country_choices: Iterable[tuple[str, str]],
        competence_choices: Mapping[str, list[tuple[str, str]]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["focus_area"].choices = [("", _("All focus areas")), *focus_area_choices]
        self.fields["stage"].choices = [("", _("All stages")), *stage_choices]
        self.fields["country"].choices = [("", _("All countries")), *country_choices]
        self.fields["competence"].choices = [
            ("", _("All competences")),
            *competence_choices.items(),
        ]

    def value(self, name: str) -> str:
        """A valid field's value; an invalid filter (an unknown country) is ignored, not fatal."""
        return getattr(self, "cleaned_data", {}).get(name, "")

    def kinds(self) -> list[str]:
        """The kinds of result to show: the chosen one, else those the filters allow."""
        if kind := self.value("kind"):
            return [kind]
        if any(self.value(name) for name in PROJECT_FILTERS):
            return ["projects"]
        if any(self.value(name) for name in INSTITUTION_FILTERS):
            return ["institutions"]
        return ["projects", "institutions", "people"]


class NetworkForm(forms.Form):
    """The collaboration network's filters; both optional, an unknown value is ignored."""

    focus_area = forms.ChoiceField(label=_("Focus area"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(
        self,
        *args,
        focus_area_choices: Iterable[tuple[str, str]],
        country_choices: Iterable[tuple[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["focus_area"].choices = [("", _("All focus areas")), *focus_area_choices]
        self.fields["country"].choices = [("", _("All countries")), *country_choices]

    def value(self, name: str) -> str:
        return getattr(self, "cleaned_data", {}).get(name, "")
