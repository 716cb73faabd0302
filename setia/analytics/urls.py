from django.urls import path

from setia.analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.home, name="home"),
    path("analytics/dashboard/", views.dashboard, name="dashboard"),
    path("analytics/refresh/", views.refresh, name="refresh"),
    path("analytics/status/", views.status, name="status"),
    path("analytics/settings/", views.settings_edit, name="settings"),
    path("analytics/rules/", views.rules, name="rules"),
]
