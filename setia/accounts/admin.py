from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from setia.accounts.models import ApiKey, Branch, BusinessSettings, Team, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "branch", "is_active")
    list_filter = ("role", "branch", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Setia", {"fields": ("role", "branch", "managed_branches", "teams", "phone", "language")}),
    )  # type: ignore[misc]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "city", "is_active")


admin.site.register(Team)
admin.site.register(BusinessSettings)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "prefix")
