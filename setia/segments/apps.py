from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "setia.segments"
    label = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        from setia.core.navigation import Section, register_section
        from setia.segments import integration, profile_fields

        register_section(Section("segments", _("Segments"), "segments:list", "people", 65, "segments.view"))
        profile_fields.register()
        integration.register()
