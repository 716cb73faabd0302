from django.urls import path

from setia.loyalty import views

app_name = "loyalty"

urlpatterns = [
    path("loyalty/", views.home, name="home"),
    path("loyalty/settings/", views.settings_edit, name="settings"),
    path("loyalty/check/", views.check, name="check"),
    path("loyalty/tiers/reevaluate/", views.tiers_reevaluate, name="tiers_reevaluate"),
    path("loyalty/join/", views.join_link, name="join_link"),
    path("r/<str:code>/", views.referral_invite, name="referral_invite"),
    path("loyalty/vouchers/<int:pk>/", views.voucher_detail, name="voucher_detail"),
    path("loyalty/vouchers/<int:pk>/codes.csv", views.voucher_codes_csv, name="voucher_codes_csv"),
    path("loyalty/programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("loyalty/members/<int:customer_id>/join/", views.member_join, name="member_join"),
    path("loyalty/members/<int:customer_id>/referral/", views.member_referral, name="member_referral"),
    path("loyalty/members/<int:customer_id>/adjust/", views.member_adjust, name="member_adjust"),
    path("loyalty/members/<int:customer_id>/reward/", views.member_reward, name="member_reward"),
    path("loyalty/members/<int:customer_id>/ledger/", views.member_ledger, name="member_ledger"),
    path("loyalty/members/<int:customer_id>/card/", views.member_card, name="member_card"),
    path("loyalty/<slug:slug>/", views.config_list, name="config_list"),
    path("loyalty/<slug:slug>/new/", views.config_form, name="config_create"),
    path("loyalty/<slug:slug>/<int:pk>/edit/", views.config_form, name="config_edit"),
]
