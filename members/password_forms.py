"""allauth's password forms, refusing a password where the institution requires its sign-in.

Apart from members.forms: allauth's forms import the sign-up form from there.
"""

from __future__ import annotations

from allauth.account.forms import ChangePasswordForm, ResetPasswordForm, SetPasswordForm
from django.core.exceptions import ValidationError

from members import sso


def _sso_required_error(email: str) -> ValidationError | None:
    config = sso.sso_required_for_email(email)
    if config is None:
        return None
    return ValidationError(sso.required_message(config), code="sso_required")


class SSOAwareResetPasswordForm(ResetPasswordForm):
    """No password reset for an address whose institution requires its own sign-in."""

    def clean_email(self) -> str:
        email = super().clean_email()
        if (error := _sso_required_error(email)) is not None:
            raise error
        return email


class SSOAwareChangePasswordForm(ChangePasswordForm):
    def clean(self) -> dict:
        if (error := _sso_required_error(self.user.email)) is not None:
            raise error
        return super().clean()


class SSOAwareSetPasswordForm(SetPasswordForm):
    def clean(self) -> dict:
        if (error := _sso_required_error(self.user.email)) is not None:
            raise error
        return super().clean()
