from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "setia.accounts"
    label = "accounts"
    verbose_name = _("Staff and branches")

    def ready(self) -> None:
        from setia.accounts import signals  # connects the sign-in audit receivers

        signals.connect_memo_receivers()
        from setia.core.navigation import Group, Section, register_section

        register_section(Section("staff", _("Staff"), "accounts:staff_list", "people", 800, "staff.view", Group.ADMIN))
        register_section(
            Section("branches", _("Branches"), "accounts:branch_list", "shop", 810, "branches.view", Group.ADMIN)
        )
        register_section(
            Section("teams", _("Teams"), "accounts:team_list", "diagram-3", 820, "teams.manage", Group.ADMIN)
        )
        register_section(
            Section("settings", _("Settings"), "accounts:settings", "sliders", 830, "settings.manage", Group.ADMIN)
        )
