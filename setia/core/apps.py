from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "setia.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from setia.core import navigation, search

        navigation.register_section(
            navigation.Section(key="home", label=_("Home"), url_name="core:home", icon="house", order=0)
        )
        navigation.register_section(
            navigation.Section(
                key="audit",
                label=_("Audit trail"),
                url_name="core:audit_list",
                icon="journal-text",
                order=900,
                capability="audit.view",
                group=navigation.Group.ADMIN,
            )
        )
        navigation.register_section(
            navigation.Section(
                key="jobs",
                label=_("Background jobs"),
                url_name="core:jobs",
                icon="gear-wide-connected",
                order=910,
                capability="jobs.view",
                group=navigation.Group.ADMIN,
            )
        )
        search.autodiscover()
        register_panels()


def register_panels() -> None:
    from django.utils import timezone

    from setia.core.dashboard import Panel, register_panel

    def welcome(request: object) -> dict[str, object]:
        return {"today": timezone.localdate()}

    def recent_activity(request: Any) -> dict[str, object]:
        from setia.core.selectors import recent_activity

        return {"events": recent_activity(actor=request.user)}

    register_panel(Panel("welcome", "core/panels/welcome.html", welcome, order=0, width=12))
    register_panel(
        Panel(
            "recent_activity", "core/panels/recent_activity.html", recent_activity, order=900, capability="audit.view"
        )
    )
