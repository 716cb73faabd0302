from django.contrib import admin
from django.urls import include, path

from config.api import api
from setia.core.views import favicon, healthz

admin.site.site_header = "Setia CRM"

urlpatterns = [
    path("", include("setia.core.urls")),
    path("", include("setia.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
