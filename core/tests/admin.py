"""Helpers for tests that post the admin's forms."""

from __future__ import annotations

from django import forms


def _field_data(form: forms.BaseForm) -> dict:
    data = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if value is None:
            continue
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            # A split date and time posts its parts under suffixed names.
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = part
        else:
            data[bound.html_name] = value
    return data


def change_form_data(response) -> dict:
    """What the admin's change page would post back unchanged, inlines included."""
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _field_data(formset.management_form)
        for inline_form in formset.forms:
            data |= _field_data(inline_form)
    return data
