from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from alliance import views
from alliance.api import api
from members import views as members_views

# The admin signs in through allauth: rate limits, verified email and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Alliance Hub administration"

handler404 = "alliance.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("network/", views.network, name="network"),
    path("search/", views.site_search, name="search"),
    path("health/", views.health, name="health"),
    path("api/", views.api_guide, name="api_guide"),
    path("api/v1/", api.urls),
    path("dashboard/", views.dashboard, name="dashboard"),
    # Sign-in through an institution's provider: our start page, and allauth's own login and
    # callback paths served by views that check the ID token's signature and nonce.
    path("accounts/institution/", members_views.sso_start, name="sso_start"),
    path("accounts/oidc/<str:provider_id>/login/", members_views.sso_login),
    path("accounts/oidc/<str:provider_id>/login/callback/", members_views.sso_callback),
    path("accounts/", include("allauth.urls")),
    # Django's set_language, which also keeps a signed-in person's choice on their profile.
    path("i18n/setlang/", members_views.language_set, name="set_language"),
    path("admin/", admin.site.urls),
    *(
        [
            path("idp/identity/o/authorize", members_views.idp_authorization),
            path("idp/", include("allauth.idp.urls")),
        ]
        if settings.IDP_ENABLED
        else []
    ),
    path("", include("members.urls")),
    path("", include("projects.urls")),
    path("notifications/", include("notifications.urls")),
]
