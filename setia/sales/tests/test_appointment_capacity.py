"""Appointments booked with "any staff member" each need one of the staff who take appointments at
the branch: when everyone is taken at that time (their own appointments and the "any staff"
ones), a booking is refused and the calendar offers no free time then."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from setia.accounts.models import Branch
from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.sales.models import Appointment, Order
from setia.sales.selectors.appointments import appointment_calendar, most_at_once, staff_suffice
from setia.sales.services import bookings


def _full(start: str, end: str) -> str:
    return (
        f"Nobody is free for the whole time from {start} to {end}: every staff member has an appointment then, "
        "those booked with any staff member included. Choose another time or a shorter service."
    )


def _at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _book(business: Business, shop: dict, at: dt.datetime, staff: object = None, branch: object = None) -> Appointment:
    return bookings.appointment_book(
        actor=business.manager if branch is None else business.owner,
        customer=shop["customer"],
        branch=branch or business.branch_a,  # type: ignore[arg-type]
        service=shop["creambath"],  # 60 minutes
        starts_at=at,
        staff=staff,  # type: ignore[arg-type]
    )


def test_any_staff_is_refused_when_every_staff_member_is_booked(business: Business, shop: dict) -> None:
    # Branch A's staff who take appointments: Lestari (manager) and Sari (cashier).
    _book(business, shop, _at(10))
    _book(business, shop, _at(10))
    with pytest.raises(ApplicationError) as refused:
        _book(business, shop, _at(10, 30))
    assert refused.value.extra == {"starts_at": [_full("10:30", "11:30")]}
    assert (Appointment.objects.count(), Order.objects.count()) == (2, 2)  # nothing of the third written
    _book(business, shop, _at(11))  # both free again at 11:00


def test_a_named_staff_member_free_herself_is_refused_when_any_staff_bookings_need_her(
    business: Business, shop: dict
) -> None:
    _book(business, shop, _at(10))  # any staff member
    _book(business, shop, _at(10), staff=business.cashier_a)
    # Lestari has nothing at 10:00, but the "any staff" appointment can only be hers now.
    with pytest.raises(ApplicationError) as refused:
        _book(business, shop, _at(10), staff=business.manager)
    assert refused.value.extra == {"starts_at": [_full("10:00", "11:00")]}
    # Her own clash is still named as before.
    with pytest.raises(ApplicationError) as clash:
        _book(business, shop, _at(10, 30), staff=business.cashier_a)
    assert clash.value.extra == {"starts_at": ["Sari already has an appointment at that time."]}


def test_overlapping_bookings_count_at_their_busiest_moment(business: Business, shop: dict) -> None:
    _book(business, shop, _at(10))  # 10:00-11:00
    _book(business, shop, _at(10, 30))  # 10:30-11:30
    _book(business, shop, _at(11))  # 11:00-12:00: the first has ended
    with pytest.raises(ApplicationError):
        _book(business, shop, _at(10, 15))  # 10:15-11:15: two are under way from 10:30
    _book(business, shop, _at(9))  # 9:00-10:00 ends as the first begins
    _book(business, shop, _at(9, 30))  # 9:30-10:30: one other under way at any moment of it


def test_any_staff_needs_one_staff_member_free_the_whole_time(business: Business, shop: dict) -> None:
    _book(business, shop, _at(10), staff=business.cashier_a)  # Sari 10:00-11:00
    _book(business, shop, _at(11), staff=business.manager)  # Lestari 11:00-12:00
    # 10:30-11:30: at every moment one of them is free, but neither for the whole hour.
    with pytest.raises(ApplicationError) as refused:
        _book(business, shop, _at(10, 30))
    assert refused.value.extra == {"starts_at": [_full("10:30", "11:30")]}
    _book(business, shop, _at(9, 30))  # 9:30-10:30: Lestari is free then
    # Now Sari's 11:00 would leave the 9:30 "any staff" appointment... still Lestari's: fine.
    _book(business, shop, _at(11), staff=business.cashier_a)
    # But Lestari at 10:00 would leave nobody for 9:30-10:30 (Sari is busy from 10:00).
    with pytest.raises(ApplicationError) as named:
        _book(business, shop, _at(9), staff=business.manager)
    assert named.value.extra == {"starts_at": [_full("09:00", "10:00")]}


def test_sharing_out_tries_again_when_a_first_choice_blocks_a_later_one() -> None:
    def at(hour: int, minute: int = 0) -> dt.datetime:
        return _at(hour, minute)

    # Bima is free all morning, Ayu from 11:00 to 12:00 busy. The 10:00-10:30 one first given to
    # Bima leaves nobody for 10:15-12:30: the search gives it to Ayu instead.
    busy = {1: [], 2: [(at(11), at(12))]}
    assert staff_suffice(busy, [(at(10), at(10, 30)), (at(10, 15), at(12, 30))]) is True
    assert busy == {1: [], 2: [(at(11), at(12))]}  # the caller's lists are left as they were
    assert staff_suffice(busy, [(at(10), at(11, 30)), (at(10, 15), at(12, 30))]) is False
    assert staff_suffice({1: [], 2: []}, []) is True


def test_a_cancelled_appointment_frees_its_place(business: Business, shop: dict) -> None:
    first = _book(business, shop, _at(10))
    _book(business, shop, _at(10))
    bookings.appointment_cancel(actor=business.manager, appointment=first)
    _book(business, shop, _at(10))
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 2


def test_a_branch_where_nobody_takes_appointments_books_any_staff_freely(business: Business, shop: dict) -> None:
    branch = Branch.objects.create(name="Pop-up", code="pop")
    for _ in range(3):
        _book(business, shop, _at(10), branch=branch)
    assert Appointment.objects.filter(order__branch=branch).count() == 3


def test_the_calendar_offers_no_free_time_when_everyone_is_taken(business: Business, shop: dict) -> None:
    _book(business, shop, _at(10))
    _book(business, shop, _at(10))
    calendar = appointment_calendar(actor=business.manager, branch=business.branch_a, day=_at(10).date())
    for column in calendar.columns:
        offered = [free.at for block in column.blocks for free in block.free]
        assert _at(9, 30) in offered and _at(11) in offered
        assert _at(10) not in offered and _at(10, 30) not in offered
    assert len(calendar.unassigned) == 2


def test_most_at_once() -> None:
    base = _at(10)

    def span(start: int, end: int) -> tuple[dt.datetime, dt.datetime]:
        return base + dt.timedelta(minutes=start), base + dt.timedelta(minutes=end)

    intervals = [span(0, 60), span(30, 90), span(60, 120)]
    assert most_at_once(intervals, *span(0, 30)) == 1
    assert most_at_once(intervals, *span(0, 60)) == 2
    assert most_at_once(intervals, *span(60, 90)) == 2
    assert most_at_once(intervals, *span(90, 150)) == 1
    assert most_at_once([], *span(0, 60)) == 0


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_receptionists_booking_the_last_free_place_at_once_book_it_once(business: Business, shop: dict) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    _book(business, shop, _at(10))  # one of the two staff members taken
    threads = 8
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(index: int) -> None:
        try:
            barrier.wait()
            # Half ask for any staff member, half for Sari by name.
            _book(business, shop, _at(10), staff=business.cashier_a if index % 2 else None)
            outcome = "booked"
        except ApplicationError as error:
            outcome = error.message
        finally:
            close_old_connections()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=book, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert outcomes.count("booked") == 1, outcomes
    assert Appointment.objects.filter(starts_at=_at(10)).count() == 2


@pytest.mark.parametrize(
    ("action", "said"),
    [
        ("cancel", "10:00 Siti Rahma: appointment cancelled; the time is free again."),
        ("no_show", "10:00 Siti Rahma did not come: recorded; the time is free again."),
    ],
)
def test_cancelling_or_a_no_show_on_the_calendar_says_so(
    business: Business, shop: dict, action: str, said: str
) -> None:
    from django.conf import settings
    from django.urls import reverse

    from setia.conftest import client_for

    appointment = _book(business, shop, _at(10))
    client = client_for(business.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    calendar = reverse("sales:appointments") + f"?branch={business.branch_a.pk}&day="
    before = client.get(calendar + _at(10).date().isoformat()).content.decode()
    assert 'data-confirm="Cancel this appointment?"' in before  # asks before it acts
    # Whether she came is known from her time on: tomorrow's appointment offers no "did not come".
    assert 'data-testid="appointment-no-show"' not in before
    if action == "no_show":
        yesterday = dt.timedelta(days=2)
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=appointment.starts_at - yesterday, ends_at=appointment.ends_at - yesterday
        )
        before = client.get(calendar + (_at(10) - yesterday).date().isoformat()).content.decode()
        assert 'data-confirm="Record that the customer did not come?"' in before
    page = client.post(reverse("sales:appointment_action", args=[appointment.pk, action]), follow=True)
    assert page.status_code == 200
    assert said in page.content.decode()
