"""One-click unsubscribe (RFC 8058): a signed link that names a person and email categories."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse

from notifications.enums import CATEGORY_OF, Category, DeliveryState, Frequency
from notifications.models import EmailDelivery, Preference

SALT = "notifications.unsubscribe"


class UnsubscribeLinkInvalid(Exception):
    """The link was not signed by this site, or names nobody."""


class UnsubscribeLinkExpired(UnsubscribeLinkInvalid):
    """The link is genuine but older than NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE."""


def unsubscribe_token(*, user, categories: list[str]) -> str:
    """A URL-safe token that switches off ``categories`` for ``user`` (no login needed)."""
    return signing.dumps({"u": user.pk, "c": sorted(set(categories))}, salt=SALT, compress=True)


def unsubscribe_url(*, user, categories: list[str]) -> str:
    token = unsubscribe_token(user=user, categories=categories)
    return settings.SITE_URL + reverse("notifications:unsubscribe", kwargs={"token": token})


def unsubscribe_read(token: str) -> tuple:
    """The person and categories a token names; raises UnsubscribeLinkInvalid or …Expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise UnsubscribeLinkExpired from error
    except signing.BadSignature as error:
        raise UnsubscribeLinkInvalid from error
    categories = [Category(value) for value in data["c"] if value in Category.values]
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
    if user is None or not categories:
        raise UnsubscribeLinkInvalid
    return user, categories


def preferences_unsubscribe(*, user, categories: list[str]) -> int:
    """Switch email off for ``categories``; their emails not yet sent are not sent either.

    Returns the number of pending deliveries dropped. In-app notifications stay.
    """
    kinds = [kind for kind, category in CATEGORY_OF.items() if category in categories]
    with transaction.atomic():
        for category in categories:
            Preference.objects.update_or_create(
                user=user, category=category, defaults={"frequency": Frequency.OFF}
            )
        return EmailDelivery.objects.filter(
            notification__recipient=user,
            notification__kind__in=kinds,
            state=DeliveryState.PENDING,
        ).update(state=DeliveryState.SKIPPED)
