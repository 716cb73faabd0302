"""The salon's day calendar: a column for every staff member who takes appointments in the branch
(and for anyone else booked that day), each with her appointments and the free half-hours
between them, which the receptionist clicks to book."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from setia.accounts.models import Branch, User
from setia.accounts.roles import Role
from setia.sales.models import Appointment
from setia.sales.selectors import appointments_for

# Who may be booked for an appointment, and so gets a column: the staff who serve customers face
# to face at their branch. There is no "stylist" role: a stylist is entered as cashier /
# receptionist or sales, so those stay (the roles cannot tell a cashier who only works the till).
# Owners (the administrator's account), back office (marketing, analysts) and call agents (on the
# telephone) take no appointments.
APPOINTMENT_ROLES = frozenset({Role.MANAGER, Role.CASHIER, Role.SALES, Role.SERVICE_AGENT})

# The calendar offers free times within the branch's opening hours (its own, else the business's
# in the sales settings: `opening_hours`); a booking must start within them (`appointment_book`),
# and one made before the hours changed still shows.
SLOT = dt.timedelta(minutes=30)
# A booking's time (a trip's pick-up, an appointment's start) may lie up to an hour back (the caller
# who rang late: the car is sent at once; the customer already in the chair) and up to a year ahead.
# Further back is a slip of the date (the past cannot be booked, and a trip done then is not booked
# afterwards: the board books what is still to happen); further ahead is a mistyped year (9999,
# 2099) that no taxi or salon plans for — and that the board and calendar could not page to. The
# calendar offers free times within the same window (`services.bookings` refuses the rest).
BOOKING_PAST = dt.timedelta(hours=1)
BOOKING_AHEAD = dt.timedelta(days=365)

# An appointment holds its staff member's time while booked, and still once paid (a customer may
# pay before her treatment); a cancelled one or a no-show frees it.
OCCUPYING = (Appointment.Status.BOOKED, Appointment.Status.COMPLETED)


@dataclass(frozen=True)
class Hours:
    """When a branch opens and closes, and the days of the week it stays closed (Monday 0)."""

    opens: dt.time
    closes: dt.time
    closed_days: frozenset[int] = frozenset()

    def open_on(self, day: dt.date) -> bool:
        return day.weekday() not in self.closed_days

    def next_open_day(self, day: dt.date) -> dt.date:
        """`day` itself when open, else the first open day after it (one day is always open)."""
        while not self.open_on(day):
            day += dt.timedelta(days=1)
        return day


def opening_hours(branch: Branch | None = None) -> Hours:
    """When `branch` opens and closes, and its closed days: its own hours when it has them, else
    the business's (sales settings)."""
    if branch is not None and branch.opens_at is not None and branch.closes_at is not None:
        return Hours(branch.opens_at, branch.closes_at, frozenset(branch.closed_days or []))
    from setia.sales.services.checkout import sales_settings

    settings = sales_settings()
    return Hours(settings.opens_at, settings.closes_at, frozenset(settings.closed_days or []))


def appointment_staff(*, branch: Branch) -> QuerySet[User]:
    """The staff who may be chosen on an appointment at `branch`."""
    return User.objects.filter(is_active=True, branch=branch, role__in=sorted(APPOINTMENT_ROLES)).order_by(
        "first_name", "last_name", "username"
    )


def takes_appointments(staff: User, branch: Branch) -> bool:
    return staff.is_active and staff.branch_id == branch.pk and staff.role in APPOINTMENT_ROLES


def stylist_still_there(appointment: Appointment) -> User | None:
    """The staff member the appointment was booked with, while she still works at its branch: who
    serves it at check-out. None when booked with any staff member, or she left the branch since."""
    staff = appointment.staff
    if staff is None or not staff.is_active or staff.branch_id != appointment.order.branch_id:
        return None
    return staff


def most_at_once(intervals: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> int:
    """The most of `intervals` (start, end) under way at one moment between `start` and `end`."""
    moments = [start] + [begins for begins, _ends in intervals if start < begins < end]
    return max(sum(1 for begins, ends in intervals if begins <= at < ends) for at in moments)


Interval = tuple[dt.datetime, dt.datetime]

# How far the search for a way to share the "any staff" appointments out may go before it gives
# up and lets the booking through (a day of a busy salon needs a few dozen steps).
SEARCH_STEPS = 20_000


def staff_suffice(busy: dict[int, list[Interval]], flexible: list[Interval]) -> bool | None:
    """Whether each of the `flexible` appointments (booked with any staff member) can be given one
    staff member of `busy` (her own appointments) free for its whole time, none of them given two
    at once; None when the search ran out of steps (`SEARCH_STEPS`). A search with backtracking,
    earliest first, trying staff members with the same appointments once."""
    taken = {member: list(intervals) for member, intervals in busy.items()}
    wanted = sorted(flexible)
    steps = 0

    def free(member: int, interval: Interval) -> bool:
        return all(not (begins < interval[1] and ends > interval[0]) for begins, ends in taken[member])

    def place(index: int) -> bool:
        nonlocal steps
        if index == len(wanted):
            return True
        steps += 1
        if steps > SEARCH_STEPS:
            raise TimeoutError
        tried: set[frozenset[Interval]] = set()
        for member in taken:
            same = frozenset(taken[member])
            if same in tried or not free(member, wanted[index]):
                continue
            tried.add(same)
            taken[member].append(wanted[index])
            if place(index + 1):
                return True
            taken[member].pop()
        return False

    try:
        return place(0)
    except TimeoutError:
        return None


def team_can_take(
    *, branch: Branch, team: list[int], start: dt.datetime, end: dt.datetime, staff_id: int | None
) -> bool:
    """Whether an appointment from `start` to `end` with `staff_id` (None: any staff member) leaves
    every appointment booked with any staff member at `branch` one of `team` (the staff who take
    appointments there) free for its whole time. Only the appointments chained to it by overlaps
    matter; a search that runs out of steps falls back to counting: someone is free at each moment."""
    day = dt.timedelta(days=1)
    rows: list[tuple[int | None, dt.datetime, dt.datetime]] = list(
        Appointment.objects.filter(
            Q(staff__isnull=True) | Q(staff_id__in=team),
            order__branch=branch,
            status__in=OCCUPYING,
            starts_at__lt=end + day,
            ends_at__gt=start - day,
        ).values_list("staff_id", "starts_at", "ends_at")
    )
    low, high = start, end
    chained: list[tuple[int | None, dt.datetime, dt.datetime]] = []
    while True:
        joined = [row for row in rows if row[1] < high and row[2] > low]
        if len(joined) == len(chained):
            break
        chained = joined
        low, high = min([low, *(row[1] for row in joined)]), max([high, *(row[2] for row in joined)])
    busy: dict[int, list[Interval]] = {member: [] for member in team}
    flexible: list[Interval] = [(start, end)] if staff_id is None else []
    if staff_id is not None:
        busy[staff_id].append((start, end))
    for member, begins, ends in chained:
        (busy[member] if member is not None else flexible).append((begins, ends))
    found = staff_suffice(busy, flexible)
    if found is None:
        return most_at_once([(begins, ends) for _member, begins, ends in chained], start, end) < len(team)
    return found


def slot_value(at: dt.datetime) -> str:
    """A time as the booking form's `starts_at` field takes it (local time, to the minute)."""
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class FreeTime:
    at: dt.datetime
    value: str  # for the booking link's `starts_at`


@dataclass
class Block:
    """One appointment, or a run of free times between two appointments."""

    appointment: Appointment | None = None
    free: list[FreeTime] = field(default_factory=list)


@dataclass
class Column:
    member: User
    blocks: list[Block]

    @property
    def appointments(self) -> list[Appointment]:
        return [block.appointment for block in self.blocks if block.appointment is not None]


@dataclass
class Calendar:
    columns: list[Column]
    unassigned: list[Appointment]  # booked with "any staff"
    staff: list[User]  # every column the day has, for the staff filter
    book_at: str  # the time the "Book" button proposes
    hours: Hours
    day: dt.date
    bookable_until: dt.datetime  # the last time bookings are taken for (`BOOKING_AHEAD` from now)

    @property
    def closed(self) -> bool:
        """The branch is closed this day of the week: no free times (bookings made before still show)."""
        return not self.hours.open_on(self.day)

    @property
    def beyond_bookings(self) -> bool:
        """The day lies further ahead than appointments are booked (`BOOKING_AHEAD`)."""
        return self.day > timezone.localtime(self.bookable_until).date()

    @property
    def appointments(self) -> list[Appointment]:
        return [a for column in self.columns for a in column.appointments] + self.unassigned


def appointment_calendar(
    *, actor: User, branch: Branch, day: dt.date, staff_id: int | None = None, now: dt.datetime | None = None
) -> Calendar:
    """The day at `branch`: a column per staff member who takes appointments there, plus anyone
    booked that day (a stylist since moved or deactivated: her appointments only, no free times to
    book her); with `staff_id`, that column only."""
    now = now or timezone.now()
    rows = list(appointments_for(actor=actor, branch=branch, day=day))
    members = list(appointment_staff(branch=branch))
    known = {member.pk for member in members}
    known_team = set(known)
    for row in rows:
        if row.staff is not None and row.staff_id not in known:
            members.append(row.staff)
            known.add(row.staff.pk)
    chosen = [member for member in members if member.pk == staff_id] if staff_id else members
    hours = opening_hours(branch)
    full = _team_full(day, rows, known_team, hours)
    columns = [
        Column(
            member,
            _blocks(
                day,
                [row for row in rows if row.staff_id == member.pk],
                now,
                hours,
                full,
                bookable=member.pk in known_team,
            ),
        )
        for member in chosen
    ]
    unassigned = [] if staff_id else [row for row in rows if row.staff_id is None]
    return Calendar(
        columns=columns,
        unassigned=unassigned,
        staff=members,
        book_at=book_at(day, hours, now),
        hours=hours,
        day=day,
        bookable_until=now + BOOKING_AHEAD,
    )


def _team_full(day: dt.date, rows: list[Appointment], team: set[int], hours: Hours) -> set[dt.datetime]:
    """The half-hours of `day` when every staff member who takes appointments is booked, counting
    the appointments booked with any staff member (each needs one of them): no column offers them."""
    if not team:
        return set()
    intervals = [
        (row.starts_at, row.ends_at)
        for row in rows
        if row.status in OCCUPYING and (row.staff_id is None or row.staff_id in team)
    ]
    if len(intervals) < len(team):
        return set()
    full = set()
    at = timezone.make_aware(dt.datetime.combine(day, hours.opens))
    closes = timezone.make_aware(dt.datetime.combine(day, hours.closes))
    while at < closes:
        if most_at_once(intervals, at, at + SLOT) >= len(team):
            full.add(at)
        at += SLOT
    return full


def _blocks(
    day: dt.date,
    appointments: list[Appointment],
    now: dt.datetime,
    hours: Hours,
    full: set[dt.datetime],
    bookable: bool = True,
) -> list[Block]:
    opens = timezone.make_aware(dt.datetime.combine(day, hours.opens))
    # A closed day, or a column of someone who no longer takes appointments here, offers no free
    # time: the loop below never starts.
    open_here = hours.open_on(day) and bookable
    closes = timezone.make_aware(dt.datetime.combine(day, hours.closes)) if open_here else opens
    busy = [(a.starts_at, a.ends_at) for a in appointments if a.status in OCCUPYING]
    # The half-hour under way is still offered (a booking may start up to an hour back); nothing
    # further ahead than bookings are taken.
    earliest, latest = now - SLOT, now + BOOKING_AHEAD
    entries: list[tuple[dt.datetime, Appointment | None]] = [(a.starts_at, a) for a in appointments]
    at = opens
    while at < closes:
        free = at not in full and not any(start < at + SLOT and end > at for start, end in busy)
        if earliest < at <= latest and free:
            entries.append((at, None))
        at += SLOT
    entries.sort(key=lambda entry: (entry[0], entry[1] is None))
    blocks: list[Block] = []
    for at, appointment in entries:
        if appointment is not None:
            blocks.append(Block(appointment=appointment))
        elif blocks and blocks[-1].appointment is None:
            blocks[-1].free.append(FreeTime(at, slot_value(at)))
        else:
            blocks.append(Block(free=[FreeTime(at, slot_value(at))]))
    return blocks


def book_at(day: dt.date, hours: Hours, now: dt.datetime | None = None) -> str:
    """The time the booking form proposes for `day`: today, the next whole hour while it is
    within the opening hours (before opening: the opening; after closing: the next open day's
    opening); a later day, its opening. A closed day proposes the next open day's opening."""
    local = timezone.localtime(now or timezone.now())
    if day > local.date():
        return slot_value(timezone.make_aware(dt.datetime.combine(hours.next_open_day(day), hours.opens)))
    at = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    if at.date() == local.date() and hours.open_on(at.date()) and at.time() < hours.closes:
        return slot_value(max(at, timezone.make_aware(dt.datetime.combine(at.date(), hours.opens))))
    following = hours.next_open_day(local.date() + dt.timedelta(days=1))
    return slot_value(timezone.make_aware(dt.datetime.combine(following, hours.opens)))
