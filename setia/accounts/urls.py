from django.urls import path

from setia.accounts import views

app_name = "accounts"

urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/reset-two-factor/", views.staff_reset_two_factor, name="staff_reset_two_factor"),
    path("branches/", views.branch_list, name="branch_list"),
    path("branches/new/", views.branch_create, name="branch_create"),
    path("branches/<int:pk>/", views.branch_detail, name="branch_detail"),
    path("branches/<int:pk>/edit/", views.branch_edit, name="branch_edit"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_form, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_form, name="team_edit"),
    path("settings/", views.business_settings, name="settings"),
    path("me/", views.profile, name="profile"),
    path("me/api-keys/", views.api_keys, name="api_keys"),
    path("me/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
