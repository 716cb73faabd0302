from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "setia.analytics"
    label = "analytics"
    verbose_name = _("Customer analytics")

    def ready(self) -> None:
        from setia.analytics import integration
        from setia.core.navigation import Section, register_section

        register_section(
            Section("analytics", _("Customer analytics"), "analytics:home", "pie-chart", 70, "analytics.view")
        )
        integration.register()
        from setia.analytics import segment_fields

        segment_fields.register()
