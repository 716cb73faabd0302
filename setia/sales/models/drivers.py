"""The taxi's drivers: who can be sent on a trip, with the car they drive. A trip keeps the name
and plate it was assigned with, so editing a driver later does not rewrite history."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from setia.core.models import TimeStampedModel

# An Indonesian plate: a region code of one or two letters, a number of one to four digits (not
# starting with 0) and up to three letters, e.g. "B 1234 XYZ", "AB 12 C", "D 7". Typed with or
# without spaces, dashes or dots; stored upper-case with single spaces.
PLATE_PATTERN = re.compile(r"^([A-Z]{1,2}) ?([1-9][0-9]{0,3}) ?([A-Z]{0,3})$")


class Driver(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.g. 0812 3456 7890."))
    vehicle_plate = models.CharField(_("plate"), max_length=12, help_text=_("E.g. B 1234 XYZ."))
    vehicle_description = models.CharField(
        _("vehicle"), max_length=100, blank=True, help_text=_("E.g. Toyota Avanza, white.")
    )
    branch = models.ForeignKey(
        "accounts.Branch", verbose_name=_("home branch"), on_delete=models.PROTECT, related_name="drivers"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["branch", "is_active", "name"], name="driver_branch_active_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.vehicle_plate})"
