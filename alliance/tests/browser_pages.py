"""The main pages of the demo alliance, as each role sees them, for the layout and axe tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from members.demo.data import DEMO_PASSWORD, SSO_INSTITUTION
from members.enums import COORDINATORS_GROUP, MembershipRole, MembershipStatus
from members.models import Membership, User
from projects.enums import Stage
from projects.models import Proposal, ReviewAssignment


@dataclass(frozen=True)
class Visit:
    role: str
    user: User | None
    # The main pages, which every browser check visits...
    paths: list[str]
    # ...and the role's other pages, which the cheaper ones visit too.
    more_paths: list[str] = field(default_factory=list)

    @property
    def all_paths(self) -> list[str]:
        return self.paths + self.more_paths


def main_pages() -> list[Visit]:
    """Seed the demo alliance and list, per role, the pages that role uses most."""
    call_command("seed_demo", stdout=StringIO())
    coordinator = User.objects.filter(groups__name=COORDINATORS_GROUP).order_by("pk").first()
    # The demo's open calls: their leads search for partners.
    open_call = Proposal.objects.filter(stage=Stage.DEFINE).order_by("pk").first()
    driven = Proposal.objects.filter(stage=Stage.DRIVE).order_by("pk").first()
    in_review = ReviewAssignment.objects.filter(proposal__stage=Stage.REVIEW).order_by("pk").first()
    representative = (
        Membership.objects.filter(
            role=MembershipRole.REPRESENTATIVE, status=MembershipStatus.ACTIVE
        )
        .select_related("person", "institution")
        .order_by("pk")
        .first()
    )
    assert None not in (coordinator, open_call, driven, in_review, representative)
    institution = representative.institution
    return [
        Visit(
            "visitor",
            None,
            [
                reverse("home"),
                reverse("members:institution_list"),
                institution.get_absolute_url(),
                representative.person.get_absolute_url(),
                reverse("projects:proposal_list"),
                driven.get_absolute_url(),
                reverse("overview"),
                reverse("network"),
                f"{reverse('search')}?q=foundation+models",
                reverse("api_guide"),
                reverse("account_login"),
            ],
            [reverse("account_signup"), reverse("sso_start")],
        ),
        Visit(
            "lead",
            open_call.lead,
            [
                reverse("dashboard"),
                open_call.get_absolute_url(),
                reverse("projects:find_partners", args=[open_call.slug]),
                reverse("projects:my_proposals"),
                reverse("notifications:list"),
            ],
            [
                reverse("projects:consortium_builder", args=[open_call.slug]),
                reverse("projects:proposal_edit", args=[open_call.slug]),
                reverse("projects:revision_list", args=[open_call.slug]),
                reverse("projects:proposal_create"),
                reverse("projects:partnering_inbox"),
                reverse("projects:proposals_for_me"),
                reverse("members:profile_edit"),
                reverse("members:my_affiliations"),
                reverse("notifications:preferences"),
            ],
        ),
        Visit(
            "coordinator",
            coordinator,
            [
                reverse("dashboard"),
                reverse("projects:review_queue"),
                reverse("projects:pipeline"),
                in_review.proposal.get_absolute_url(),
                reverse("notifications:list"),
            ],
            [
                reverse("projects:reviewer_assign", args=[in_review.proposal.slug]),
                reverse("projects:proposal_decide", args=[in_review.proposal.slug]),
                reverse("notifications:mail_log", args=[in_review.proposal.slug]),
                reverse("projects:alliance_rules"),
                reverse("notifications:role_matrix"),
                reverse("members:institution_sso", args=[SSO_INSTITUTION]),
            ],
        ),
        Visit(
            "representative",
            representative.person,
            [
                reverse("dashboard"),
                institution.get_absolute_url(),
                reverse("members:representative_inbox"),
            ],
            [
                reverse("members:institution_people", args=[institution.slug]),
                reverse("members:institution_edit", args=[institution.slug]),
                reverse("projects:signoffs"),
                reverse("projects:institution_dashboard", args=[institution.slug]),
                reverse("socialaccount_connections"),
            ],
        ),
        Visit(
            "reviewer",
            in_review.reviewer,
            [reverse("dashboard"), reverse("projects:reviewer_inbox")],
            [reverse("projects:review_submit", args=[in_review.proposal.slug])],
        ),
    ]


def open_page(
    browser,
    live_server,
    user: User | None,
    *,
    width: int,
    password: str = DEMO_PASSWORD,
    **options,
):
    """Open a page ``width`` pixels wide, signed in as ``user`` unless it is None."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": width, "height": 800},
        **options,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    if user is not None:
        page.goto(reverse("account_login"))
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/dashboard/")
    return page
