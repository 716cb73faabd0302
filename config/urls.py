from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api, not_found
from setia.core.views import favicon, healthz

admin.site.site_header = "Setia CRM"

urlpatterns = [
    path("", include("setia.core.urls")),
    path("", include("setia.accounts.urls")),
    path("", include("setia.customers.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", not_found),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
