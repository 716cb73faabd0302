"""The taxi's driver list: add, edit, deactivate (a driver is never deleted: her trips keep her).
Whoever manages bookings keeps the list of the branches they may see."""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from setia.accounts.models import Branch, User
from setia.accounts.selectors import branch_scope, require
from setia.core.audit import audit_changed, audit_created, audit_log, diff, snapshot
from setia.core.errors import ApplicationError
from setia.core.phones import normalize_phone
from setia.sales.models import Trip
from setia.sales.models.drivers import PLATE_PATTERN, Driver

DRIVER_FIELDS = ["name", "phone", "vehicle_plate", "vehicle_description", "branch", "is_active"]
_SEPARATORS = re.compile(r"[\s.\-_/]+")

# A trip counts as still to drive from an hour before now on (a pick-up an hour ago may be under
# way); an older one still "assigned" was driven and waits only for its fare.
UNDER_WAY = dt.timedelta(hours=1)
# How many of her trips a refusal names; the rest are counted.
NAMED_TRIPS = 5


def normalize_plate(raw: str, *, field: str = "vehicle_plate") -> str:
    """`b1234xyz`, `B-1234-XYZ` or `b 1234  xyz` → `B 1234 XYZ`; anything else is refused naming
    `field`."""
    text = _SEPARATORS.sub(" ", (raw or "").upper()).strip()
    if not text:
        message = _("Enter the number plate, e.g. B 1234 XYZ.")
        raise ApplicationError(message, {field: [message]})
    match = PLATE_PATTERN.match(text) if text.isascii() else None
    if match is None:
        message = _("“%(value)s” is not a number plate: write it like B 1234 XYZ.") % {"value": raw.strip()}
        raise ApplicationError(message, {field: [message]})
    return " ".join(part for part in match.groups() if part)


def _cleaned(
    *,
    actor: User,
    name: str,
    phone: str,
    vehicle_plate: str,
    vehicle_description: str,
    branch: Branch | None,
    exclude_pk: int | None = None,
) -> dict[str, object]:
    """The values to save, or one ApplicationError naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {
        "name": " ".join((name or "").split())[:100],
        "vehicle_description": " ".join((vehicle_description or "").split())[:100],
        "branch": branch,
    }
    if not values["name"]:
        errors["name"] = [_("Enter the driver's name.")]
    for key, clean, raw in (("phone", normalize_phone, phone), ("vehicle_plate", normalize_plate, vehicle_plate)):
        try:
            values[key] = clean(raw, field=key)
        except ApplicationError as error:
            errors.update(error.extra)
    if branch is None or not branch.is_active or not branch_scope(actor).allows(branch.pk):
        errors["branch"] = [_("Choose one of your branches.")]
    elif values["name"]:
        twins = Driver.objects.filter(branch=branch, is_active=True, name__iexact=values["name"])
        if exclude_pk is not None:
            twins = twins.exclude(pk=exclude_pk)
        if twin := twins.first():
            errors["name"] = [
                _("%(name)s is already on the list of %(branch)s: add a surname or initial to tell them apart.")
                % {"name": twin.name, "branch": branch.name}
            ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, errors)
    return values


@transaction.atomic
def driver_create(
    *,
    actor: User,
    name: str,
    phone: str,
    vehicle_plate: str,
    branch: Branch | None,
    vehicle_description: str = "",
) -> Driver:
    require(actor, "bookings.manage")
    values = _cleaned(
        actor=actor,
        name=name,
        phone=phone,
        vehicle_plate=vehicle_plate,
        vehicle_description=vehicle_description,
        branch=branch,
    )
    driver = Driver.objects.create(**values)
    audit_created(actor=actor, instance=driver, fields=DRIVER_FIELDS, branch_id=driver.branch_id)
    return driver


def _locked(actor: User, driver: Driver) -> Driver:
    require(actor, "bookings.manage")
    locked = Driver.objects.select_for_update().get(pk=driver.pk)
    if not branch_scope(actor).allows(locked.branch_id):
        raise ApplicationError(_("Driver not found."))
    return locked


@transaction.atomic
def driver_update(
    *,
    actor: User,
    driver: Driver,
    name: str,
    phone: str,
    vehicle_plate: str,
    branch: Branch | None,
    vehicle_description: str = "",
) -> Driver:
    """Change a driver's details. Trips already assigned keep the name and plate they had."""
    driver = _locked(actor, driver)
    before = snapshot(driver, DRIVER_FIELDS)
    values = _cleaned(
        actor=actor,
        name=name,
        phone=phone,
        vehicle_plate=vehicle_plate,
        vehicle_description=vehicle_description,
        branch=branch,
        exclude_pk=driver.pk,
    )
    moved_to = values["branch"]
    if isinstance(moved_to, Branch) and moved_to.pk != driver.branch_id:
        # Her trips were booked at her branch: moved, she would drive them for a branch whose
        # board no longer lists her and whose dispatcher can no longer reassign them to her.
        staying = [trip for trip in trips_to_drive(driver) if trip.order.branch_id != moved_to.pk]
        if staying:
            message = ngettext(
                "%(name)s still has a trip to drive for %(branch)s: %(trips)s. Assign it to another driver "
                "(or cancel it) before moving the driver to %(new_branch)s.",
                "%(name)s still has %(count)s trips to drive for %(branch)s: %(trips)s. Assign them to other "
                "drivers (or cancel them) before moving the driver to %(new_branch)s.",
                len(staying),
            ) % {
                "name": driver.name,
                "branch": driver.branch.name,
                "new_branch": moved_to.name,
                "count": len(staying),
                "trips": _named(staying),
            }
            raise ApplicationError(message, {"branch": [message]})
    for key, value in values.items():
        setattr(driver, key, value)
    driver.save()
    audit_changed(actor=actor, instance=driver, before=before, fields=DRIVER_FIELDS, branch_id=driver.branch_id)
    return driver


def trips_to_drive(driver: Driver) -> list[Trip]:
    """The trips assigned to `driver` still to drive (from an hour back on), soonest first."""
    return list(
        Trip.objects.filter(driver=driver, status=Trip.Status.ASSIGNED, pickup_at__gte=timezone.now() - UNDER_WAY)
        .select_related("order")
        .order_by("pickup_at", "pk")
    )


def _named(trips: list[Trip]) -> str:
    """ "KMG-0000012 at 2/12/2026 17:00, … and 3 more": the first trips by number and pick-up time."""
    named = ", ".join(
        _("%(number)s at %(time)s")
        % {
            "number": trip.order.number,
            "time": date_format(timezone.localtime(trip.pickup_at), "SHORT_DATETIME_FORMAT"),
        }
        for trip in trips[:NAMED_TRIPS]
    )
    more = len(trips) - NAMED_TRIPS
    if more > 0:
        named += " " + ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more}
    return named


def _still_assigned(driver: Driver, trips: list[Trip]) -> ApplicationError:
    named = _named(trips)
    message = ngettext(
        "%(name)s still has a trip to drive: %(trips)s. Assign it to another driver (or cancel it) first.",
        "%(name)s still has %(count)s trips to drive: %(trips)s. Assign them to other drivers (or cancel them) first.",
        len(trips),
    ) % {"name": driver.name, "count": len(trips), "trips": named}
    return ApplicationError(message, {"is_active": [message]})


@transaction.atomic
def driver_set_active(*, actor: User, driver: Driver, active: bool) -> Driver:
    """Deactivate a driver who left (she is no longer offered for trips) or take her back.

    A driver with assigned trips still to drive (`trips_to_drive`) is not deactivated: the refusal
    names those trips, for the dispatcher to send someone else (or cancel them) first. Unassigning
    them quietly would leave customers waiting for a car nobody drives; keeping her on them would
    show a driver who left on the board while no list offers her any more."""
    driver = _locked(actor, driver)
    if not active and driver.is_active and (trips := trips_to_drive(driver)):
        raise _still_assigned(driver, trips)
    if (
        active
        and Driver.objects.filter(branch_id=driver.branch_id, is_active=True, name__iexact=driver.name)
        .exclude(pk=driver.pk)
        .exists()
    ):
        message = _("%(name)s is already on the list of %(branch)s: add a surname or initial to tell them apart.") % {
            "name": driver.name,
            "branch": driver.branch.name,
        }
        raise ApplicationError(message, {"name": [message]})
    before = snapshot(driver, ["is_active"])
    driver.is_active = active
    driver.save(update_fields=["is_active", "updated_at"])
    changes = diff(before, snapshot(driver, ["is_active"]))
    if changes:
        audit_log(
            actor=actor,
            action="update" if active else "archive",
            instance=driver,
            changes=changes,
            branch_id=driver.branch_id,
        )
    return driver
