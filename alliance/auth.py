"""The authentication backend: allauth's, loading with the user what every page asks of them."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from members.enums import COORDINATORS_GROUP
from members.models import User
from notifications.models import Notification
from notifications.selectors import UNREAD_CACHE


class SiteBackend(AuthenticationBackend):
    def get_user(self, user_id):
        """The signed-in user, with the coordinator check and the bell's count in one query.

        Every signed-in page asks both (the navigation and the header's bell); reading them
        with the user keeps them out of each page's query budget.
        """
        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at=None)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        coordinator = User.groups.through.objects.filter(
            user=OuterRef("pk"), group__name=COORDINATORS_GROUP
        )
        user = (
            User._default_manager.annotate(
                unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
                in_coordinators=Exists(coordinator),
            )
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user.__dict__[UNREAD_CACHE] = user.unread_count
        user._is_coordinator = user.is_superuser or user.in_coordinators
        return user
