"""The one place where allauth's account behaviour is customised."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.utils.translation import gettext as _

from members import services


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
