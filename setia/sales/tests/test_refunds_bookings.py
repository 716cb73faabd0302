import datetime as dt

import pytest
from django.utils import timezone

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.customers.models import Address
from setia.loyalty.models import PointsEntry
from setia.loyalty.services import membership
from setia.sales.models import Appointment, Order, Trip
from setia.sales.services import bookings
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, round_cash
from setia.sales.services.refunds import order_refund


@pytest.fixture
def paid_order(business: Business, shop: dict) -> Order:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    order, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk), LineIn(product_id=shop["shampoo"].pk, quantity=2)],
        payments=[PaymentIn("transfer", 241_000)],
    )
    assert order.total == 241_000 and order.points_earned == 24
    return order


def test_partial_then_full_refund_reverses_points_in_proportion(business: Business, paid_order: Order) -> None:
    shampoo_line = paid_order.lines.get(quantity=2)
    refund = order_refund(actor=business.manager, order=paid_order, reason="Sampo rusak", lines={shampoo_line.pk: 1})
    assert refund.amount == 45_500
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.refunded_total) == (Order.Status.PARTLY_REFUNDED, 45_500)
    member = paid_order.customer.membership  # type: ignore[union-attr]
    member.refresh_from_db()
    assert member.points_balance == 24 - round(24 * 45_500 / 241_000)  # 5 points back
    order_refund(actor=business.manager, order=paid_order, reason="Batal semua", amount=241_000 - 45_500)
    paid_order.refresh_from_db()
    member.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED and member.points_balance == 0
    assert list(
        PointsEntry.objects.filter(membership=member, kind="reverse").values_list("points", flat=True).order_by("id")
    ) == [-5, -19]


def test_refund_refusals_change_nothing(business: Business, paid_order: Order) -> None:
    for kwargs, field in [
        ({"amount": 300_000, "reason": "x"}, "amount"),
        ({"amount": 0, "reason": "x"}, "amount"),
        ({"amount": 1000, "reason": " "}, "reason"),
        ({"lines": {paid_order.lines.first().pk: 5}, "reason": "x"}, "lines"),  # type: ignore[union-attr]
    ]:
        with pytest.raises(ApplicationError) as error:
            order_refund(actor=business.manager, order=paid_order, **kwargs)  # type: ignore[arg-type]
        assert field in error.value.extra
    with pytest.raises(ApplicationError):
        order_refund(actor=business.cashier_a, order=paid_order, amount=1000, reason="x")  # cashiers cannot refund
    paid_order.refresh_from_db()
    assert paid_order.refunded_total == 0 and paid_order.refunds.count() == 0


def test_taxi_trip_repeat_assign_complete(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    home = Address.objects.create(customer=customer, line="Jl. Kemang Raya 5", landmark="pagar hijau depan masjid")
    first = bookings.trip_book(
        actor=business.cashier_a,
        customer=customer,
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(hours=1),
        pickup_address=home,
        destination="Bandara Soekarno-Hatta",
    )
    assert (first.pickup_text, first.landmark, first.order.status) == (
        "Jl. Kemang Raya 5",
        "pagar hijau depan masjid",
        "booked",
    )
    home.refresh_from_db()
    assert home.last_used_at is not None
    again = bookings.trip_repeat_last(actor=business.cashier_a, customer=customer, branch=business.branch_a)
    assert (again.pickup_text, again.landmark, again.destination, again.pickup_address_id) == (
        "Jl. Kemang Raya 5",
        "pagar hijau depan masjid",
        "Bandara Soekarno-Hatta",
        home.pk,
    )
    with pytest.raises(ApplicationError) as error:
        bookings.trip_complete(actor=business.cashier_a, trip=again, fare=85_000)
    assert "status" in error.value.extra
    bookings.trip_assign(actor=business.cashier_a, trip=again, driver_name="Pak Budi", vehicle="B 1234 XY")
    with pytest.raises(ApplicationError) as error:
        bookings.trip_complete(actor=business.cashier_a, trip=again, fare=0)
    assert "fare" in error.value.extra
    with pytest.raises(ApplicationError, match="fare is too large") as error:  # not "Item 1: the price…"
        bookings.trip_complete(actor=business.cashier_a, trip=again, fare=99_999_999_999)
    assert list(error.value.extra) == ["fare"]
    done = bookings.trip_complete(actor=business.cashier_a, trip=again, fare=85_000)
    assert (done.status, done.fare, done.order.status, done.order.total) == (
        Trip.Status.COMPLETED,
        85_000,
        "fulfilled",
        85_000,
    )
    assert done.order.number.startswith("TRIP-")
    with pytest.raises(ApplicationError, match="already completed"):  # a second click, or the API again
        bookings.trip_complete(actor=business.cashier_a, trip=again, fare=90_000)
    bookings.trip_cancel(actor=business.cashier_a, trip=first)
    with pytest.raises(ApplicationError, match="cancelled"):
        bookings.trip_complete(actor=business.cashier_a, trip=first, fare=90_000)


def test_repeat_last_trip_without_history_needs_an_address(business: Business, shop: dict) -> None:
    with pytest.raises(ApplicationError) as error:
        bookings.trip_repeat_last(actor=business.cashier_a, customer=shop["customer"], branch=business.branch_a)
    assert "pickup_text" in error.value.extra
    assert Trip.objects.count() == 0


def test_appointment_clash_and_checkout(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    start = timezone.localtime().replace(hour=11, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    appointment = bookings.appointment_book(
        actor=business.cashier_a,
        customer=customer,
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=start,
        staff=business.cashier_a,
    )
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=60)
    with pytest.raises(ApplicationError) as error:
        bookings.appointment_book(
            actor=business.cashier_a,
            customer=customer,
            branch=business.branch_a,
            service=shop["creambath"],
            starts_at=start + dt.timedelta(minutes=30),
            staff=business.cashier_a,
        )
    assert "starts_at" in error.value.extra
    order = bookings.appointment_checkout(
        actor=business.cashier_a,
        appointment=appointment,
        payments=[PaymentIn("cash", 200_000)],
        extra_lines=[LineIn(product_id=shop["shampoo"].pk)],
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert (order.status, order.total, order.lines.count()) == ("fulfilled", 195_500, 2)
    assert order.lines.get(product=shop["creambath"]).staff_id == business.cashier_a.pk


def test_the_calendar_asks_a_gold_member_for_her_discounted_price(business: Business, shop: dict) -> None:
    from django.test import Client

    from setia.loyalty.models import Membership

    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    Membership.objects.filter(pk=member.pk).update(tier=shop["gold"])  # 10% off for Gold
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    appointment = bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=start,
        staff=business.cashier_a,
    )
    assert bookings.appointment_amounts_due([appointment]) == {appointment.pk: (135_000, 10)}
    client = Client()
    client.force_login(business.cashier_a)
    client.cookies["django_language"] = "en"
    page = client.get(f"/appointments/?day={start.date().isoformat()}&branch={business.branch_a.pk}").content.decode()
    assert 'name="amount" value="135000"' in page  # not the list price 150000
    assert "To pay: Rp 135,000 · member discount 10%" in page
    order = bookings.appointment_checkout(
        actor=business.cashier_a, appointment=appointment, payments=[PaymentIn("cash", 135_000)]
    )
    assert (order.total, order.status) == (135_000, "fulfilled")  # the amount asked is the amount due


def test_an_appointment_in_the_past_is_refused(business: Business, shop: dict) -> None:
    from setia.catalog.models import Product

    service = Product.objects.filter(kind="service").first()
    assert service is not None
    with pytest.raises(ApplicationError, match="in the past") as error:
        bookings.appointment_book(
            actor=business.cashier_a,
            customer=shop["customer"],
            branch=business.branch_a,
            service=service,
            starts_at=timezone.now() - dt.timedelta(days=2),
        )
    assert "starts_at" in error.value.extra
    assert not Appointment.objects.exists()


def test_a_members_trip_is_paid_its_fare_less_her_discount_without_change(business: Business, shop: dict) -> None:
    """A Gold member's trip with a fare of Rp 100.550: the meter's fare stays on the trip, she
    pays Rp 90.495, in cash rounded as the till rounds it, exactly: no cash received or change is
    invented; the board shows what she paid beside the fare."""
    from django.test import Client

    from setia.loyalty.models import Membership

    member = membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    Membership.objects.filter(pk=member.pk).update(tier=shop["gold"])  # 10% off for Gold
    trip = bookings.trip_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(hours=1),
        pickup_text="Jl. Kemang Raya 5",
    )
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi", vehicle="B 1234 XY")
    done = bookings.trip_complete(actor=business.cashier_a, trip=trip, fare=100_550)
    order = done.order
    order.refresh_from_db()
    (payment,) = order.payments.all()
    paid = round_cash(90_495, 100)  # Rp 100.550 less 10%, in cash as the till rounds it
    assert (done.fare, order.total, payment.method) == (100_550, paid, "cash")
    assert (payment.amount, payment.tendered, payment.change) == (paid, None, 0)
    client = Client()
    client.force_login(business.cashier_a)
    client.cookies["django_language"] = "en"
    board = client.get(f"/trips/?day={timezone.localdate(trip.pickup_at).isoformat()}").content.decode()
    assert f'data-testid="trip-paid">Rp {paid:,}<' in board and "fare Rp 100,550, member discount" in board


def test_a_guest_s_trip_rounded_in_cash_is_not_called_a_member_discount(business: Business, shop: dict) -> None:
    from django.test import Client

    trip = bookings.trip_book(
        actor=business.cashier_a,
        customer=shop["customer"],  # not a member
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(hours=1),
        pickup_text="Jl. Kemang Raya 5",
    )
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi", vehicle="B 1234 XY")
    done = bookings.trip_complete(actor=business.cashier_a, trip=trip, fare=87_650)
    done.order.refresh_from_db()
    assert (done.order.total, done.order.member_discount, done.order.rounding) == (87_700, 0, 50)
    client = Client()
    client.force_login(business.cashier_a)
    client.cookies["django_language"] = "en"
    board = client.get(f"/trips/?day={timezone.localdate(trip.pickup_at).isoformat()}").content.decode()
    assert 'data-testid="trip-paid">Rp 87,700<' in board and "fare Rp 87,650, cash rounding</span>" in board
    assert "member discount" not in board


def test_a_paid_ahead_appointment_refunded_in_full_frees_its_time(business: Business, shop: dict) -> None:
    day = timezone.localdate() + dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    book = {"customer": shop["customer"], "branch": business.branch_a, "service": shop["creambath"], "starts_at": at}
    paid = bookings.appointment_book(actor=business.manager, staff=business.cashier_a, **book)
    order = bookings.appointment_checkout(
        actor=business.manager, appointment=paid, payments=[PaymentIn("qris", 150_000)]
    )
    with pytest.raises(ApplicationError):  # paid ahead, it holds Sari's time
        bookings.appointment_book(actor=business.manager, staff=business.cashier_a, **book)
    order_refund(actor=business.manager, order=order, reason="Batal datang", amount=50_000)
    paid.refresh_from_db()
    assert paid.status == Appointment.Status.COMPLETED  # a part refunded: she still comes
    order_refund(actor=business.manager, order=order, reason="Batal datang", amount=100_000)
    paid.refresh_from_db()
    assert paid.status == Appointment.Status.CANCELLED
    assert bookings.appointment_book(actor=business.manager, staff=business.cashier_a, **book).pk
