from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "setia.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from setia.core.navigation import Group, Section, register_section

        register_section(Section("customers", _("Customers"), "customers:list", "person-vcard", 10, "customers.view"))
        register_section(
            Section("calls", _("Calls"), "customers:calls", "telephone-inbound", 5, "calls.answer", optional=True)
        )
        register_section(
            Section(
                "custom_fields",
                _("Customer fields"),
                "customers:field_list",
                "ui-checks",
                840,
                "customers.fields",
                Group.ADMIN,
            )
        )
        from setia.customers import timeline

        timeline.register_builtin_sources()
        _register_home_panel()


def _register_home_panel() -> None:
    """ "Who's calling?" on the home page of everyone who answers calls (a call agent's first
    screen), with their last few calls; hidden where the business does not use calls."""
    from typing import Any

    from setia.core.dashboard import Panel, register_panel

    def calls(request: Any) -> dict[str, Any]:
        from setia.customers.selectors import recent_calls

        return {"recent": recent_calls(agent=request.user, limit=5)}

    register_panel(
        Panel("calls", "customers/panels/calls.html", calls, order=5, capability="calls.answer", section="calls")
    )
