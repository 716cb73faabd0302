from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "setia.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from setia.core.navigation import Group, Section, register_section

        register_section(
            Section(
                "catalog",
                _("Products and services"),
                "catalog:product_list",
                "box-seam",
                820,
                "catalog.view",
                Group.ADMIN,
            )
        )
