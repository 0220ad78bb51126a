from django.urls import path

from core.pagecache import public_page
from projects import feeds, views

app_name = "projects"

urlpatterns = [
    path("feeds/projects/", public_page(feeds.ProjectsFeed()), name="feed_projects"),
    path("feeds/milestones/", public_page(feeds.MilestonesFeed()), name="feed_milestones"),
    path(
        "feeds/focus-areas/<slug:slug>/",
        public_page(feeds.FocusAreaFeed()),
        name="feed_focus_area",
    ),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals.csv", views.proposal_list_export, name="proposal_list_export"),
    path("proposals/mine/", views.my_proposals, name="my_proposals"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path(
        "proposals/new/suggestions/",
        views.proposal_competence_suggestions,
        name="proposal_competence_suggestions",
    ),
    path("proposals/<slug:slug>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<slug:slug>/edit/", views.proposal_edit, name="proposal_edit"),
    path(
        "proposals/<slug:slug>/edit/suggestions/",
        views.proposal_competence_suggestions,
        name="proposal_competence_suggestions",
    ),
    path(
        "proposals/<slug:slug>/actions/<slug:name>/",
        views.proposal_transition,
        name="proposal_transition",
    ),
    path("proposals/<slug:slug>/revisions/", views.revision_list, name="revision_list"),
    path("proposals/<slug:slug>/reviewers/", views.reviewer_assign, name="reviewer_assign"),
    path("proposals/<slug:slug>/review/", views.review_submit, name="review_submit"),
    path(
        "review/assignments/<int:pk>/withdraw/", views.reviewer_withdraw, name="reviewer_withdraw"
    ),
    path("proposals/<slug:slug>/decide/", views.proposal_decide, name="proposal_decide"),
    path("proposals/<slug:slug>/milestones/", views.milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/status/", views.milestone_set_status, name="milestone_set_status"),
    path(
        "proposals/<slug:slug>/updates/",
        views.progress_update_create,
        name="progress_update_create",
    ),
    path("proposals/<slug:slug>/partners/", views.find_partners, name="find_partners"),
    path("proposals/<slug:slug>/consortia/", views.consortium_builder, name="consortium_builder"),
    path(
        "proposals/<slug:slug>/consortia/invite/",
        views.consortium_invite,
        name="consortium_invite",
    ),
    path("proposals/<slug:slug>/invite/", views.participation_invite, name="participation_invite"),
    path("proposals/<slug:slug>/join/", views.participation_request, name="participation_request"),
    path(
        "participations/<int:pk>/withdraw/confirm/",
        views.participation_withdraw,
        name="participation_withdraw",
    ),
    path(
        "participations/<int:pk>/<slug:action>/",
        views.participation_act,
        name="participation_act",
    ),
    path(
        "institutions/<slug:slug>/dashboard/",
        views.institution_dashboard,
        name="institution_dashboard",
    ),
    path("partnering/", views.partnering_inbox, name="partnering_inbox"),
    path("partnering/for-you/", views.proposals_for_me, name="proposals_for_me"),
    path("partnering/sign-off/", views.signoffs, name="signoffs"),
    path("review/queue/", views.review_queue, name="review_queue"),
    path("review/queue.csv", views.review_queue_export, name="review_queue_export"),
    path("review/inbox/", views.reviewer_inbox, name="reviewer_inbox"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("coordination/rules/", views.alliance_rules, name="alliance_rules"),
]
