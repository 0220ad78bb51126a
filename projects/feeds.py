"""Atom feeds of what the public may see: new projects, milestones reached, per focus area."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import FocusArea
from projects import selectors
from projects.models import Milestone, Proposal

FEED_SIZE = 50


class _ProjectEntries(Feed):
    feed_type = Atom1Feed

    def _proposals(self) -> QuerySet[Proposal]:
        return selectors.public_proposals_feed(user=AnonymousUser())

    def item_title(self, item: Proposal) -> str:
        return item.title

    def item_link(self, item: Proposal) -> str:
        return item.get_absolute_url()

    def item_description(self, item: Proposal) -> str:
        # Atom's summary is marked type="html": escaped, a reader shows the summary as text.
        return escape(item.summary)

    def item_pubdate(self, item: Proposal) -> datetime:
        return item.public_at

    def item_updateddate(self, item: Proposal) -> datetime:
        return item.public_at

    def item_author_name(self, item: Proposal) -> str:
        return item.lead_institution.name

    def item_categories(self, item: Proposal) -> tuple[str, ...]:
        return (item.focus_area.name,)


class ProjectsFeed(_ProjectEntries):
    """New public projects: Approved and later, newest first."""

    title = gettext_lazy("Alliance Hub · new projects")
    description = gettext_lazy("Projects of the alliance as they become public.")

    def link(self) -> str:
        return reverse("projects:proposal_list")

    def items(self) -> list[Proposal]:
        return list(self._proposals()[:FEED_SIZE])


class FocusAreaFeed(_ProjectEntries):
    """New public projects in one focus area."""

    def get_object(self, request: HttpRequest, slug: str) -> FocusArea:  # type: ignore[override]
        return get_object_or_404(FocusArea, slug=slug)

    def title(self, obj: FocusArea) -> str:
        return _("Alliance Hub · new projects in %(area)s") % {"area": obj.name}

    def description(self, obj: FocusArea) -> str:
        return _("Projects in %(area)s as they become public.") % {"area": obj.name}

    def link(self, obj: FocusArea) -> str:
        return reverse("projects:proposal_list") + f"?focus_area={obj.slug}"

    def items(self, obj: FocusArea) -> list[Proposal]:
        return list(self._proposals().filter(focus_area=obj)[:FEED_SIZE])


class MilestonesFeed(Feed):
    """Milestones marked done on public projects, newest first."""

    feed_type = Atom1Feed
    title = gettext_lazy("Alliance Hub · milestones reached")
    description = gettext_lazy("Milestones the alliance's public projects have reached.")

    def link(self) -> str:
        return reverse("projects:proposal_list")

    def items(self) -> list[Milestone]:
        return list(selectors.reached_milestones_feed(user=AnonymousUser())[:FEED_SIZE])

    def item_title(self, item: Milestone) -> str:
        return f"{item.proposal.title}: {item.title}"

    def item_link(self, item: Milestone) -> str:
        # One project has many milestones: the fragment tells their entries' ids apart.
        return f"{item.proposal.get_absolute_url()}#milestone-{item.pk}"

    def item_description(self, item: Milestone) -> str:
        return escape(item.proposal.summary)

    def item_pubdate(self, item: Milestone) -> datetime:
        return item.reached_at

    def item_updateddate(self, item: Milestone) -> datetime:
        return item.reached_at

    def item_author_name(self, item: Milestone) -> str:
        return item.proposal.lead_institution.name

    def item_categories(self, item: Milestone) -> tuple[str, ...]:
        return (item.proposal.focus_area.name,)
