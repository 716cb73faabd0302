"""Support views of the sales domain (the staff use the app's own pages)."""

from django.contrib import admin

from setia.sales.models import DigestDelivery


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    """Who got the morning digest on which day, and why a send failed."""

    list_display = ("day", "user", "sent_at", "attempts", "last_error")
    list_filter = ("day",)
    list_select_related = ("user",)
    ordering = ("-day", "user_id")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
