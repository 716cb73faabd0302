from django.contrib import admin

from setia.core.models import AuditEvent, ScheduledRun


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


admin.site.register(ScheduledRun)
