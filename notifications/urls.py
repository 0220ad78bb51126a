from django.urls import path
from django.views.generic import RedirectView

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # PLACEHOLDER until the email-preferences page arrives under this name and path: every
    # email links here; meanwhile the link leads to the profile.
    path(
        "preferences/",
        RedirectView.as_view(pattern_name="members:profile_edit"),
        name="preferences",
    ),
]
