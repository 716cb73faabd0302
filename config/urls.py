from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api_urls, not_found
from setia.core.views import favicon, healthz

admin.site.site_header = "Setia CRM"
# The support admin signs in through the same door as the app (lockout, two-factor).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # First: the API and the health check are the busiest paths, and every pattern in front of them
    # is tried on each request (the apps' own patterns never start with "api/" or "healthz").
    path("api/v1/", api_urls()),
    re_path(r"^api/(?P<path>.*)$", not_found),
    path("healthz", healthz, name="healthz"),
    path("", include("setia.core.urls")),
    path("", include("setia.accounts.urls")),
    path("", include("setia.customers.urls")),
    path("", include("setia.catalog.urls")),
    path("", include("setia.segments.urls")),
    path("", include("setia.sales.urls")),
    path("", include("setia.loyalty.urls")),
    path("", include("setia.analytics.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
