from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "setia.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from setia.core.navigation import Section, register_section
        from setia.loyalty import panels

        register_section(Section("loyalty", _("Loyalty"), "loyalty:home", "award", 30, "loyalty.view"))
        panels.register()
        from setia.loyalty import merge_facts

        merge_facts.register()
        from setia.loyalty import segment_fields

        segment_fields.register()
        from setia.loyalty.services import config

        config.connect_receivers()
