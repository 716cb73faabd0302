from django.urls import path

from setia.customers import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/export/", views.customer_export, name="export"),
    path("customers/bulk/", views.customer_bulk, name="bulk"),
    path("customers/views/", views.saved_view_save, name="view_save"),
    path("customers/views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("customers/duplicates/", views.duplicate_list, name="duplicates"),
    path("customers/duplicates/<int:pk>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("customers/merge/", views.customer_merge, name="merge"),
    path("customers/import/", views.import_start, name="import_start"),
    path("customers/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("customers/import/<int:pk>/report/", views.import_report, name="import_report"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/consent/", views.customer_consent, name="consent"),
    path("customers/<int:pk>/timeline/", views.customer_timeline, name="timeline"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/regions/<str:level>/", views.region_options, name="region_options"),
    path("calls/", views.calls, name="calls"),
    path("calls/lookup/", views.caller_lookup, name="caller_lookup"),
    path("calls/pops/", views.screen_pops, name="screen_pops"),
    path("customers/fields/", views.field_list, name="field_list"),
    path("customers/fields/new/", views.field_form, name="field_create"),
    path("customers/fields/<int:pk>/edit/", views.field_form, name="field_edit"),
    path("customers/fields/<int:pk>/archive/", views.field_archive, name="field_archive"),
    path("customers/fields/<int:pk>/delete/", views.field_delete, name="field_delete"),
]
