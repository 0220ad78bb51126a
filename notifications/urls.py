from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.notifications_mark_all_read, name="mark_all_read"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("proposals/<slug:slug>/mail/", views.mail_log, name="mail_log"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("matrix/", views.role_matrix, name="role_matrix"),
]
