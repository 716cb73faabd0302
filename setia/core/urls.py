from django.urls import path

from setia.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<str:object_type>/<str:object_id>/", views.audit_record, name="audit_record"),
    path("jobs/", views.jobs, name="jobs"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
