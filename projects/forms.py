from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import itemgetter

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries as django_countries

from core.forms import RequestTokenField
from members.enums import InstitutionKind
from members.forms import CompetenceLevelsMixin
from members.models import Competence, FocusArea, Institution, User
from projects.enums import Importance, MilestoneStatus, Recommendation, Stage
from projects.models import (
    PROPOSAL_TEXT_FIELDS,
    ConsortiumRules,
    Criterion,
    Decision,
    Milestone,
    Proposal,
)
from projects.services import CriterionValues

# More than any consortium the rules could ask for; a longer list is not from the page.
MAX_CONSORTIUM_INVITATIONS = 50


def suggested_field(vocabulary: Iterable[Competence]) -> forms.TypedMultipleChoiceField:
    """The ticked suggestions: any competence of the vocabulary, whichever the page showed.

    A suggestion the lead ticked stays ticked however the text changes after, so it is
    checked against the vocabulary rather than against what the text suggests now.
    """
    return forms.TypedMultipleChoiceField(
        label=_("Your text suggests these competences"),
        help_text=_("Tick those the project needs; they are required as important."),
        choices=[(c.pk, c.name) for c in vocabulary],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "One of the ticked competences is not in the alliance's vocabulary; reload "
                "the page and tick it again."
            ),
        },
    )


class DraftCompetencesMixin:
    """What a form holding a proposal being written says about its competences."""

    fields: dict[str, forms.Field]
    competence_fields: dict[str, Competence]
    is_bound: bool
    # The fields whose text the suggestions follow (the page listens to them).
    text_fields = PROPOSAL_TEXT_FIELDS

    @property
    def chosen_competences(self) -> set[int]:
        """Ids of the competences given an importance (as submitted, when bound)."""
        return {
            competence.pk
            for name, competence in self.competence_fields.items()
            if self[name].value() not in (None, "")  # type: ignore[index]
        }

    @property
    def ticked_suggestions(self) -> set[int]:
        """Ids of the ticked suggestions that are in the vocabulary (a tampered id is not)."""
        if not self.is_bound:
            return set()
        field = self.fields["suggested"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        known = {int(value) for value, _label in field.choices}
        values = self["suggested"].value() or []  # type: ignore[index]
        return {int(v) for v in values if str(v).isdigit() and int(v) in known}


class ProposalForm(DraftCompetencesMixin, CompetenceLevelsMixin, forms.ModelForm):
    """A proposal's text and settings; required competences with their importance."""

    level_choices = Importance.choices

    class Meta:
        model = Proposal
        fields = [
            "title",
            "summary",
            "focus_area",
            "description",
            "goals",
            "expected_outcomes",
            "resources_offered",
            "licence",
            "duration_months",
            "visibility",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 12}),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "expected_outcomes": forms.Textarea(attrs={"rows": 4}),
            "resources_offered": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "summary": _("Two or three sentences: what, why, with whom."),
            "description": _("Markdown: headings, lists, links, code and tables."),
            "resources_offered": _("People, compute, data or funding the lead brings."),
            "visibility": _(
                "Open call: every alliance researcher may read it while it is being defined. "
                "Confidential: only the consortium and coordinators. Once approved, every "
                "proposal is public."
            ),
        }

    def __init__(
        self,
        *args,
        vocabulary: Iterable[Competence],
        importances: Mapping[int, int] | None = None,
        lead_institutions=None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        vocabulary = list(vocabulary)
        # Competences the text implies, shown for the lead to tick (the view chooses them
        # from the text as written); required, as important, only when ticked.
        self.suggested_competences: list[Competence] = []
        self.fields["suggested"] = suggested_field(vocabulary)
        self.fields["focus_area"].queryset = FocusArea.objects.all()
        if lead_institutions is not None:
            # Only when creating: the lead institution is fixed afterwards.
            self.fields["lead_institution"] = forms.ModelChoiceField(
                label=_("Lead institution"),
                queryset=lead_institutions,
                empty_label=None,
                help_text=_("The institution you lead this proposal for."),
            )
            self.order_fields(["title", "lead_institution"])
            self.fields["request_token"] = RequestTokenField()
        self.add_competence_fields(vocabulary=vocabulary, levels=importances or {})

    @property
    def text(self) -> dict[str, str]:
        """The proposal's text as the lead has it in the form (as submitted, when bound)."""
        return {name: str(self[name].value() or "") for name in PROPOSAL_TEXT_FIELDS}

    @property
    def suggestion_errors(self) -> list[str]:
        return list(self.errors.get("suggested", [])) if self.is_bound else []

    def clean(self) -> dict:
        cleaned_data = super().clean()
        self.clean_competences()
        by_pk = {c.pk: c for c in self.competence_fields.values()}
        for pk in cleaned_data.pop("suggested", None) or []:
            cleaned_data["competences"].setdefault(by_pk[pk], Importance.IMPORTANT)
        return cleaned_data


class CompetenceSuggestionForm(DraftCompetencesMixin, CompetenceLevelsMixin, forms.Form):
    """The proposal form while the lead writes: its text, and the competences chosen so far.

    Read to suggest competences from the text as written; it saves nothing. The text fields
    are bounded as the proposal form bounds them, and a field without a bound counts up to
    a fixed length (``suggest_draft_competences``).
    """

    level_choices = Importance.choices

    def __init__(self, *args, vocabulary: Iterable[Competence], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        vocabulary = list(vocabulary)
        for name in PROPOSAL_TEXT_FIELDS:
            proposal_field = ProposalForm.base_fields[name]
            self.fields[name] = forms.CharField(
                label=proposal_field.label,
                required=False,
                max_length=getattr(proposal_field, "max_length", None),
            )
        self.fields["suggested"] = suggested_field(vocabulary)
        self.add_competence_fields(vocabulary=vocabulary, levels={})
        self.suggested_competences: list[Competence] = []

    @property
    def text(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in PROPOSAL_TEXT_FIELDS}

    @property
    def suggestion_errors(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {error}" if name in self.fields else str(error)
            for name, errors in self.errors.items()
            for error in errors
        ]


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


STALE_PAGE = _("This page is out of date; reload it and try again.")


class DecisionForm(forms.Form):
    # The stage the coordinator saw: a decision on a proposal that moved on is refused.
    stage = forms.ChoiceField(
        choices=Stage.choices,
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid_choice": STALE_PAGE},
    )
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect
    )
    # Who reads it is projects.view_decision_reason: say so where it is written.
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Read by the lead, the researchers of the institutions in the consortium and the "
            "coordinators; not shown on the public page, to other researchers or to the "
            "reviewers."
        ),
    )


class ReviewerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a reviewer"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or email")}),
    )


class ReviewerAssignForm(forms.Form):
    """The person picked from the list; anything else (a typed or stale id) is refused here."""

    reviewer = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a reviewer from the list."),
            "invalid_choice": _(
                "That reviewer is not in the list of people who can review; choose one from "
                "the list."
            ),
        },
    )


class ReviewForm(forms.Form):
    """One 1–5 score per active criterion, a recommendation and a comment."""

    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The lead reads this without your name."),
    )
    request_token = RequestTokenField()

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = {f"score_{c.pk}": c for c in criteria}
        scores = {
            name: forms.TypedChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=[(n, str(n)) for n in range(1, 6)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )
            for name, criterion in self.criteria.items()
        }
        self.fields = {**scores, **self.fields}

    def score_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.criteria]

    def scores(self) -> dict[Criterion, int]:
        return {c: self.cleaned_data[name] for name, c in self.criteria.items()}


class MilestoneForm(forms.ModelForm):
    request_token = RequestTokenField()

    class Meta:
        model = Milestone
        fields = ["title", "due_date", "description"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(choices=MilestoneStatus.choices)


class ProgressUpdateForm(forms.Form):
    body = forms.CharField(
        label=_("Progress update"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown."),
        error_messages={"required": _("An update needs some text.")},
    )
    request_token = RequestTokenField()


class ReviewQueueFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[
            ("", _("Awaiting coordinators")),
            (Stage.REVIEW, Stage.REVIEW.label),
            (Stage.CHANGES_REQUESTED, Stage.CHANGES_REQUESTED.label),
            (Stage.DEFINE, Stage.DEFINE.label),
        ],
    )
    focus_area = forms.ModelChoiceField(
        label=_("Focus area"),
        required=False,
        queryset=FocusArea.objects.all(),
        empty_label=_("All focus areas"),
    )
    waiting_days = forms.TypedChoiceField(
        label=_("Waiting"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), (7, _("a week or more")), (30, _("a month or more"))],
    )

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "stage": data.get("stage") or None,
            "focus_area": data["focus_area"].pk if data.get("focus_area") else None,
            "waiting_days": data.get("waiting_days"),
        }


class ConsortiumRulesForm(forms.ModelForm):
    class Meta:
        model = ConsortiumRules
        fields = [
            "min_partner_institutions",
            "max_partner_institutions",
            "min_countries",
            "min_kinds",
            "company_required",
            "require_competence_coverage",
        ]


class BaseCriterionFormSet(forms.BaseModelFormSet):
    def changes(self) -> list[tuple[Criterion | None, CriterionValues]]:
        """The rows the coordinator changed or filled in (``None``: a new criterion)."""
        return [
            (
                form.instance if form.instance.pk else None,
                CriterionValues(
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    weight=form.cleaned_data["weight"],
                    position=form.cleaned_data["position"],
                    active=form.cleaned_data["active"],
                ),
            )
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]


CriterionFormSet = forms.modelformset_factory(
    Criterion,
    formset=BaseCriterionFormSet,
    fields=["name", "description", "weight", "position", "active"],
    extra=1,
    widgets={"description": forms.TextInput()},
)


class InviteForm(forms.Form):
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.members(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose an alliance member institution to invite."),
            "invalid_choice": _("Choose an alliance member institution to invite."),
        },
    )
    person = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("This person is unknown or no longer active; choose another.")
        },
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why them: what you hope they bring."),
    )


class ConsortiumInviteForm(forms.Form):
    """The institutions of one suggested consortium, to invite all at once."""

    institution = forms.ModelMultipleChoiceField(
        queryset=Institution.objects.members(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Choose the institutions to invite from Whole consortia."),
            "invalid_choice": _(
                "One of these institutions can no longer be invited: it is not an alliance "
                "member. Go back to Whole consortia for current options."
            ),
            "invalid_pk_value": _("That is not a list of institutions to invite."),
        },
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with every invitation: what you hope this consortium does together."),
    )

    def clean_institution(self):
        institutions = self.cleaned_data["institution"]
        if len(institutions) > MAX_CONSORTIUM_INVITATIONS:
            raise forms.ValidationError(
                _("At most %(n)s institutions can be invited at once.")
                % {"n": MAX_CONSORTIUM_INVITATIONS}
            )
        return institutions


class PartnerFilterForm(forms.Form):
    """Filters on Find partners; every field optional, an invalid value is ignored.

    The countries on offer are the alliance's (``countries``: codes of its member
    institutions), and "Why not…?" lists only the institutions the viewer may see.
    """

    country = forms.ChoiceField(label=_("Country"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices]
    )
    competence = forms.ModelChoiceField(
        label=_("Competence"),
        required=False,
        queryset=Competence.objects.select_related("focus_area"),
        empty_label=_("All competences"),
    )
    by_score = forms.BooleanField(
        label=_("Rank by score alone"),
        required=False,
        help_text=_(
            "Otherwise no institution or country fills the top 10: "
            "strong candidates from elsewhere move up."
        ),
    )
    why_not = forms.ModelChoiceField(
        label=_("Why not…?"),
        required=False,
        queryset=Institution.objects.none(),
        empty_label=_("Pick an institution"),
        help_text=_("See why an institution is not suggested."),
    )

    def __init__(self, *args, viewer: User, countries: Iterable[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            ("", _("All countries")),
            *sorted(((code, django_countries.name(code)) for code in countries), key=itemgetter(1)),
        ]
        why_not = self.fields["why_not"]
        assert isinstance(why_not, forms.ModelChoiceField)
        why_not.queryset = Institution.objects.visible_to(viewer).order_by("name")

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "country": data.get("country") or None,
            "kind": data.get("kind") or None,
            "competence": data.get("competence"),
            "diversity": not data.get("by_score"),
            "why_not": data.get("why_not"),
        }


class JoinRequestForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Join with"), queryset=Institution.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("What you would bring"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, institutions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class ParticipationActionForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Ticked on the withdrawal page: ends a confirmed commitment.
    confirm = forms.BooleanField(required=False)


class WithdrawForm(forms.Form):
    """The withdrawal page: why, and that the partner really leaves."""

    comment = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the proposal's timeline for the consortium and the coordinators."),
    )
    confirm = forms.BooleanField(label=_("Yes, withdraw this partner from the consortium."))


class RevisionCompareForm(forms.Form):
    # The page shows these as two selects without room for errors: say which one is wrong.
    old = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": _("Choose the revision to compare."),
            "invalid": _("Choose the revision to compare."),
            "min_value": _("Choose the revision to compare."),
        },
    )
    new = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": _("Choose the revision to compare it with."),
            "invalid": _("Choose the revision to compare it with."),
            "min_value": _("Choose the revision to compare it with."),
        },
    )
