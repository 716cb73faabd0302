from django.urls import path

from setia.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<str:object_type>/<str:object_id>/", views.audit_record, name="audit_record"),
    path("jobs/", views.jobs, name="jobs"),
]
