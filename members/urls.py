from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_create, name="institution_create"),
    path("institutions/<slug:slug>/", views.institution_detail, name="institution_detail"),
    path("institutions/<slug:slug>/edit/", views.institution_edit, name="institution_edit"),
    path(
        "institutions/<slug:slug>/status/",
        views.institution_set_status,
        name="institution_set_status",
    ),
    path("institutions/<slug:slug>/sso/", views.institution_sso, name="institution_sso"),
    path("institutions/<slug:slug>/people/", views.institution_people, name="institution_people"),
    path("memberships/<int:pk>/approve/", views.membership_approve, name="membership_approve"),
    path("memberships/<int:pk>/decline/", views.membership_decline, name="membership_decline"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("memberships/<int:pk>/role/", views.membership_set_role, name="membership_set_role"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/affiliations/", views.my_affiliations, name="my_affiliations"),
    path("representative/", views.representative_inbox, name="representative_inbox"),
]
