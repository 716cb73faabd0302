"""Reads of the taxi's driver list: the drivers an actor may see, who can take a trip (and who is
busy then), a driver's trips of a day."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.accounts.selectors import branch_scope, require
from setia.core.errors import NotFoundError
from setia.sales.models import Driver, Trip
from setia.sales.selectors import trips_board

# A trip has a pick-up time and no end time: a driver is taken to be on a trip for an hour from
# its pick-up, so another pick-up less than an hour before or after it overlaps.
TRIP_LENGTH = dt.timedelta(hours=1)


def driver_list(
    *, actor: User, branch_id: int | None = None, active: bool | None = None, query: str = ""
) -> QuerySet[Driver]:
    require(actor, "bookings.manage")
    drivers = branch_scope(actor).filter(Driver.objects.select_related("branch"), field="branch")
    if branch_id:
        drivers = drivers.filter(branch_id=branch_id)
    if active is not None:
        drivers = drivers.filter(is_active=active)
    query = " ".join(query.split())
    if query:
        drivers = drivers.filter(Q(name__icontains=query) | Q(vehicle_plate__icontains=query))
    return drivers.order_by("name", "pk")


def driver_get(*, actor: User, pk: int) -> Driver:
    driver = driver_list(actor=actor).filter(pk=pk).first()
    if driver is None:
        raise NotFoundError(_("Driver not found."))
    return driver


def trips_of_day(
    *, actor: User, day: dt.date, branch_id: int | None = None, driver_id: int | None = None
) -> QuerySet[Trip]:
    """The trip board of a day, optionally one driver's trips only."""
    trips = trips_board(actor=actor, day=day, branch_id=branch_id).select_related("driver")
    if driver_id:
        trips = trips.filter(driver_id=driver_id)
    return trips


def trip_counts(*, driver_ids: list[int], day: dt.date) -> dict[int, int]:
    """How many trips (not cancelled) each driver has on `day`, in one query."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    rows = (
        Trip.objects.filter(driver_id__in=driver_ids, pickup_at__gte=start, pickup_at__lt=start + dt.timedelta(days=1))
        .exclude(status=Trip.Status.CANCELLED)
        .values("driver_id")
        .annotate(count=Count("pk"))
    )
    return {row["driver_id"]: row["count"] for row in rows}


@dataclass(frozen=True)
class DriverChoice:
    driver: Driver
    busy_with: Trip | None  # another assigned trip of hers at an overlapping time


def _busy_trips(driver_ids: list[int], earliest: dt.datetime, latest: dt.datetime) -> list[Trip]:
    return list(
        Trip.objects.filter(
            driver_id__in=driver_ids,
            status=Trip.Status.ASSIGNED,
            pickup_at__gt=earliest - TRIP_LENGTH,
            pickup_at__lt=latest + TRIP_LENGTH,
        )
        .select_related("order")
        .order_by("pickup_at", "pk")
    )


def _overlapping(trip: Trip, others: list[Trip]) -> Trip | None:
    for other in others:
        if other.pk != trip.pk and abs(other.pickup_at - trip.pickup_at) < TRIP_LENGTH:
            return other
    return None


def assign_choices(trips: list[Trip]) -> dict[int, list[DriverChoice]]:
    """For each open trip: the active drivers of its branch, each with the trip that keeps her busy
    then (if any). Two queries whatever the number of trips."""
    open_trips = [t for t in trips if t.status in (Trip.Status.BOOKED, Trip.Status.ASSIGNED)]
    if not open_trips:
        return {}
    branch_ids = {t.order.branch_id for t in open_trips}
    drivers = list(Driver.objects.filter(branch_id__in=branch_ids, is_active=True).order_by("name", "pk"))
    by_branch: dict[int, list[Driver]] = defaultdict(list)
    for driver in drivers:
        by_branch[driver.branch_id].append(driver)
    busy: dict[int, list[Trip]] = defaultdict(list)
    times = [t.pickup_at for t in open_trips]
    for other in _busy_trips([d.pk for d in drivers], min(times), max(times)):
        busy[other.driver_id].append(other)  # type: ignore[index]
    return {
        trip.pk: [
            DriverChoice(driver, _overlapping(trip, busy[driver.pk])) for driver in by_branch[trip.order.branch_id]
        ]
        for trip in open_trips
    }


def busy_with(trip: Trip) -> Trip | None:
    """Another assigned trip of the trip's driver at an overlapping time, if there is one."""
    if trip.driver_id is None:
        return None
    return _overlapping(trip, _busy_trips([trip.driver_id], trip.pickup_at, trip.pickup_at))
