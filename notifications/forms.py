"""The notifications page's filters, the email preferences form and the coordinators' matrix."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.audience import MATRIX_CELLS
from notifications.enums import CATEGORY_OF, Category, Frequency, NotificationKind
from notifications.selectors import CategoryPreference

# What each preferences row covers, in the words of the person choosing.
CATEGORY_HELP = {
    Category.MY_PROPOSALS: _(
        "Stage changes, milestones and progress updates of proposals you lead or take part in."
    ),
    Category.PARTNERING: _(
        "Invitations, join requests, sign-offs, partners joining or leaving, your affiliations."
    ),
    Category.REVIEWING: _("Reviews assigned to you or taken back."),
    Category.COORDINATION: _("Reviews submitted, decisions taken, affiliations to approve."),
    Category.REMINDERS: _("Reminders of what still waits for you."),
}


class NotificationFilterForm(forms.Form):
    """Filter by proposal (its slug in the URL) and by kind; an unknown value is ignored."""

    proposal = forms.ChoiceField(label=_("Proposal"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, proposals: list[tuple[int, str, str]], kinds: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._proposal_ids = {slug: pk for pk, slug, _title in proposals}
        self.fields["proposal"].choices = [("", _("All proposals"))] + [
            (slug, title) for _pk, slug, title in proposals
        ]
        # Grouped by the preferences' categories, listing only kinds the person has received.
        groups = [
            (
                category.label,
                [
                    (kind.value, kind.label)
                    for kind in NotificationKind
                    if kind in kinds and CATEGORY_OF[kind] == category
                ],
            )
            for category in Category
        ]
        self.fields["kind"].choices = [("", _("All kinds"))] + [g for g in groups if g[1]]

    def filters(self) -> dict:
        """Keyword arguments for ``selectors.notification_list`` from the valid fields."""
        data = {}
        if self.is_bound:
            self.is_valid()
            # Only the fields that validated: a stale link keeps the filters that still hold.
            data = self.cleaned_data
        return {
            "proposal_id": self._proposal_ids.get(data.get("proposal") or ""),
            "kind": data.get("kind") or None,
        }


class PreferencesForm(forms.Form):
    """One choice of email frequency per category; in-app notifications are always on."""

    def __init__(self, *args, preferences: list[CategoryPreference], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for preference in preferences:
            name = preference.category.value
            self.fields[name] = forms.ChoiceField(
                label=preference.category.label,
                help_text=CATEGORY_HELP[preference.category],
                choices=Frequency.choices,
                initial=preference.frequency.value,
                widget=forms.RadioSelect,
            )
            self.rows.append((self[name], preference))


def cell_value(kind: str, role: str) -> str:
    """How one cell of the matrix travels in a form."""
    return f"{kind}:{role}"


class RoleMatrixForm(forms.Form):
    """The coordinators' matrix: the cells left ticked are on, the others off."""

    enabled = forms.MultipleChoiceField(
        label=_("Told"),
        required=False,
        choices=sorted((cell_value(*cell), cell_value(*cell)) for cell in MATRIX_CELLS),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_enabled(self) -> set[tuple[str, str]]:
        return {tuple(value.split(":", 1)) for value in self.cleaned_data["enabled"]}
