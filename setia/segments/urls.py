from django.urls import path

from setia.segments import views

app_name = "segments"

urlpatterns = [
    path("segments/", views.segment_list, name="list"),
    path("segments/new/", views.segment_create, name="create"),
    path("segments/new-list/", views.static_create, name="static_create"),
    path("segments/builder/", views.builder_update, name="builder"),
    path("segments/count/", views.builder_count, name="count"),
    path("segments/<int:pk>/", views.segment_detail, name="detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="edit"),
    path("segments/<int:pk>/evaluate/", views.segment_evaluate, name="evaluate"),
    path("segments/<int:pk>/archive/", views.segment_archive, name="archive"),
    path("segments/<int:pk>/snapshot/", views.segment_snapshot, name="snapshot"),
    path("segments/<int:pk>/upload/", views.static_upload, name="upload"),
    path("segments/<int:pk>/export/", views.segment_export, name="export"),
]
