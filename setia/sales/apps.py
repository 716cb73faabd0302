from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "setia.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from setia.core.navigation import Group, Section, register_section

        register_section(Section("cashier", _("Cashier"), "sales:cashier", "cart3", 20, "orders.create"))
        register_section(Section("orders", _("Orders"), "sales:order_list", "receipt", 25, "orders.view"))
        register_section(
            Section("trips", _("Trips"), "sales:trips", "taxi-front", 30, "bookings.manage", optional=True)
        )
        register_section(
            Section(
                "appointments",
                _("Appointments"),
                "sales:appointments",
                "calendar-week",
                35,
                "bookings.manage",
                optional=True,
            )
        )
        register_section(
            Section(
                "sales_settings",
                _("Tax, receipts and hours"),
                "sales:settings",
                "percent",
                830,
                "settings.manage",
                Group.ADMIN,
            )
        )
        from setia.sales.views import activities, figures, leads, pipeline, quotes, renewals

        for area in (leads, pipeline, quotes, renewals, activities, figures):
            for section in area.NAVIGATION:
                register_section(section)
        from setia.sales import integration

        integration.register()
        from setia.sales import segment_fields

        segment_fields.register()
