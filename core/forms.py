"""Form helpers shared by every app: the double-submit token and error summaries."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _


class RequestTokenField(forms.UUIDField):
    """A hidden token minted each time the form is shown.

    A create service stores it with the row it makes, so the same form posted twice (a
    double click, a retried request) finds that row instead of making a second one.
    Optional: a client that sends none simply gets no such protection.
    """

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": _("This form is out of date; reload the page and send it again."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)


def error_summary(form: forms.BaseForm) -> str:
    """Every error of a bound form in one line, each led by the label of its field.

    A hidden field has no label on the page, so its messages say themselves what they are
    about.
    """
    parts: list[str] = []
    for name, errors in form.errors.items():
        hidden = name == NON_FIELD_ERRORS or form[name].is_hidden
        label = None if hidden else form[name].label
        parts.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return " ".join(parts)
