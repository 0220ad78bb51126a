from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
