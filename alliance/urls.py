from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from alliance import views

# The admin signs in through allauth: rate limits, verified email and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Alliance Hub administration"

handler404 = "alliance.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("health/", views.health, name="health"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("projects.urls")),
    path("notifications/", include("notifications.urls")),
]
