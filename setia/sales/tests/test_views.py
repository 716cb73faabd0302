import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.customers.models import Address, Customer, CustomerPhone
from setia.loyalty.services import membership
from setia.sales.models import Order, Trip
from setia.sales.services import bookings
from setia.sales.services.checkout import LineIn, PaymentIn, checkout


@pytest.fixture
def order(business: Business, shop: dict) -> Order:
    CustomerPhone.objects.create(customer=shop["customer"], number="+6281234567890", is_primary=True)
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    sale, _ = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=shop["customer"],
        lines=[LineIn(product_id=shop["creambath"].pk)],
        payments=[PaymentIn("cash", 150_000)],
    )
    return sale


# Pages every signed-in persona of branch A may open; other-branch staff get a 404 on records.
@pytest.mark.parametrize("persona", PERSONAS)
def test_order_pages_by_persona(client: object, business: Business, order: Order, persona: str) -> None:
    user = persona_user(business, persona)
    web = client_for(user)
    pages = [
        reverse("sales:order_list"),
        reverse("sales:order_detail", args=[order.pk]),
        reverse("sales:order_receipt", args=[order.pk]) + "?size=58",
    ]
    for url in pages:
        response = web.get(url)
        if user is None:
            assert response.status_code == 302 and "/accounts/login" in response["Location"], url
        elif persona == "other_branch_front_office" and url != pages[0]:
            assert response.status_code == 404, url
        else:
            assert response.status_code == 200, url
    if persona == "other_branch_front_office":
        assert order.number not in web.get(pages[0]).content.decode()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("anonymous", None), ("analyst", False), ("same_branch_front_office", True), ("manager", True), ("owner", True)],
)
def test_cashier_trips_appointments_pages(business: Business, shop: dict, persona: str, allowed: bool | None) -> None:
    user = business.analyst if persona == "analyst" else persona_user(business, persona)
    web = client_for(user)
    for url in [
        reverse("sales:cashier"),
        reverse("sales:trips"),
        reverse("sales:appointments"),
        reverse("sales:trip_new") + f"?customer={shop['customer'].pk}",
        reverse("sales:appointment_new") + f"?customer={shop['customer'].pk}",
    ]:
        response = web.get(url)
        expected = 302 if allowed is None else 200 if allowed else 403
        assert response.status_code == expected, (url, response.status_code)


def _till_form(business: Business, shop: dict, **cells: object) -> dict:
    return {
        "branch": business.branch_a.pk,
        "customer": shop["customer"].pk,
        "sale_key": "cashier-test-0002",
        "line_product": [shop["creambath"].pk],
        "line_quantity": ["1"],
        "line_price": [str(shop["creambath"].price)],
        "line_description": ["Creambath"],
        "line_staff": [""],
        "pay_method": ["cash"],
        "pay_amount": [""],
        **cells,
    }


def test_cashier_sale_through_the_page(business: Business, shop: dict) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web = client_for(business.cashier_a)
    form = _till_form(business, shop, sale_key="cashier-test-0001")
    preview = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Rp 150.000" in html and 'data-testid="points-to-earn"' in html and Order.objects.count() == 0
    paid = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert paid.status_code == 302
    sale = Order.objects.get()
    assert paid["Location"] == reverse("sales:order_detail", args=[sale.pk])
    assert (sale.total, sale.points_earned) == (150_000, 15)
    again = web.post(reverse("sales:cashier"), {**form, "action": "pay"})  # a double click
    assert again.status_code == 302 and Order.objects.count() == 1


_PERSON = {"kind": "person", "preferred_language": "id", "preferred_channel": "whatsapp"}


def test_a_walk_in_nobody_knows_is_added_from_the_cashier_and_comes_back_to_the_till(
    business: Business, shop: dict
) -> None:
    from setia.customers.models import Customer

    web = client_for(business.cashier_a)
    found = web.get(reverse("sales:cashier_customers") + "?find=0857 1234 5678").content.decode()
    link = found.split('data-testid="new-walk-in"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    till_of_a = f"/cashier/?branch={business.branch_a.pk}"  # back to the same till
    assert "phone=0857+1234+5678" in link and "source=walk_in" in link
    assert f"next=%2Fcashier%2F%3Fbranch%3D{business.branch_a.pk}" in link
    form = web.get(link).content.decode()
    assert 'value="0857 1234 5678"' in form and f'name="next" value="{till_of_a}"' in form
    saved = web.post(
        link,
        {**_PERSON, "name": "Maya Sari", "phone_1": "0857 1234 5678", "source": "walk_in", "next": till_of_a},
    )
    maya = Customer.objects.get(name="Maya Sari")
    assert saved.status_code == 302 and saved["Location"] == f"{till_of_a}&customer={maya.pk}"
    assert maya.source == "walk_in"
    till = web.get(saved["Location"]).content.decode()
    assert "Maya Sari" in till  # she is the sale's customer
    # A name typed at the till fills the name; a link elsewhere is not followed.
    by_name = web.get(reverse("sales:cashier_customers") + "?find=Rina Wati").content.decode()
    assert "name=Rina+Wati" in by_name
    away = web.post(
        reverse("customers:create") + "?next=https://example.com/",
        {**_PERSON, "name": "Tono", "phone_1": "0857 1111 2222", "source": "other", "next": "https://example.com/"},
    )
    assert away["Location"] == reverse("customers:detail", args=[Customer.objects.get(name="Tono").pk])


def _trip(business: Business, shop: dict) -> Trip:
    """A trip booked for her in an hour, from Jl. Melati No. 12 to the airport."""
    return bookings.trip_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(hours=1),
        pickup_text="Jl. Melati No. 12",
        destination="Bandara",
    )


def test_trip_actions_say_what_happened(business: Business, shop: dict) -> None:
    trip = _trip(business, shop)
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    number = trip.order.number
    url = reverse("sales:trip_action", args=[trip.pk, "assign"])
    assigned = web.post(url, {"driver_name": "Pak Budi"}, follow=True)
    assert f"Trip {number} assigned to Pak Budi." in assigned.content.decode()
    done = web.post(reverse("sales:trip_action", args=[trip.pk, "complete"]), {"fare": "72000"}, follow=True)
    assert f"Trip {number} completed: Rp 72,000 paid." in done.content.decode()


def test_cashier_refuses_bad_quantity_with_a_message(business: Business, shop: dict) -> None:
    web = client_for(business.cashier_a)
    response = web.post(
        reverse("sales:cashier"),
        {
            "branch": business.branch_a.pk,
            "line_product": [shop["shampoo"].pk],
            "line_quantity": ["0"],
            "line_price": [""],
            "line_description": [""],
            "line_staff": [""],
            "pay_method": ["cash"],
            "pay_amount": ["50000"],
            "action": "pay",
        },
    )
    assert response.status_code == 200
    with translation.override(business.cashier_a.language or "id"):
        expected = gettext("Item %(number)s: the quantity must be at least 1.") % {"number": 1}
    assert expected in response.content.decode() and Order.objects.count() == 0


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"line_quantity": ["1.5"]}, "Item 1: quantity: “1.5” is not a whole number; type e.g. 2."),
        (
            {"pay_amount": ["200000.5"]},
            "Amount received: “200000.5” is not a whole number; type e.g. 150000 or 150.000.",
        ),
        ({"points": "2.5"}, "Points: “2.5” is not a whole number; type e.g. 2."),
        ({"cashback": "abc"}, "Cashback: “abc” is not a whole number; type e.g. 150000 or 150.000."),
    ],
)
def test_a_number_typed_with_a_decimal_point_is_refused_at_its_field_not_read_as_ten_times_more(
    business: Business, shop: dict, cells: dict, message: str
) -> None:
    membership.membership_join(actor=business.cashier_a, customer=shop["customer"])
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    form = _till_form(business, shop, **cells)
    preview = web.post(reverse("sales:cashier"), form, headers={"HX-Request": "true"}).content.decode()
    assert message in preview
    for typed in cells.get("line_quantity", []):
        assert f'name="line_quantity" value="{typed}"' in preview  # shown again as typed, to correct
    assert "Rp 1,950,000" not in preview and "Rp 2,250,000" not in preview  # never 15 creambaths
    pay = preview.split('data-testid="pay"')[0].rsplit("<button", 1)[1]
    assert "disabled" in pay
    refused = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert refused.status_code == 200 and message in refused.content.decode()
    assert Order.objects.count() == 0


def test_thousands_typed_with_dots_at_the_till_are_thousands(business: Business, shop: dict) -> None:
    web = client_for(business.cashier_a)
    paid = web.post(reverse("sales:cashier"), _till_form(business, shop, pay_amount=["200.000"], action="pay"))
    assert paid.status_code == 302
    sale = Order.objects.get()
    assert (sale.total, sale.payments.get().tendered) == (150_000, 200_000)


def test_an_unknown_voucher_code_holds_the_pay_button(business: Business, shop: dict) -> None:
    web = client_for(business.cashier_a)
    preview = web.post(
        reverse("sales:cashier"), _till_form(business, shop, voucher_code="ZZZ-NOPE"), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-testid="voucher-error"' in preview
    assert "disabled" in preview.split('data-testid="pay"')[0].rsplit("<button", 1)[1]


def test_a_refund_or_fare_with_a_decimal_point_is_refused_and_changes_nothing(
    business: Business, shop: dict, order: Order
) -> None:
    web = client_for(business.manager)
    web.cookies["django_language"] = "en"
    refused = web.post(
        reverse("sales:order_refund", args=[order.pk]), {"amount": "5000.5", "reason": "x"}, follow=True
    ).content.decode()
    assert "Refund amount: “5000.5” is not a whole number" in refused
    order.refresh_from_db()
    assert order.refunded_total == 0
    trip = _trip(business, shop)
    web.post(reverse("sales:trip_action", args=[trip.pk, "assign"]), {"driver_name": "Pak Budi"})
    done = web.post(reverse("sales:trip_action", args=[trip.pk, "complete"]), {"fare": "72000.5"}, follow=True)
    assert "Fare: “72000.5” is not a whole number" in done.content.decode()
    trip.refresh_from_db()
    assert trip.status != "completed" and trip.order.total == 0


def test_refund_page_needs_the_refund_capability(business: Business, order: Order) -> None:
    url = reverse("sales:order_refund", args=[order.pk])
    assert client_for(business.cashier_a).post(url, {"amount": 1000, "reason": "x"}).status_code == 403
    response = client_for(business.manager).post(url, {"amount": 50_000, "reason": "Tidak puas"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.refunded_total == 50_000


def second_trip(customer: Customer, first: Trip) -> Trip:
    return customer.orders.filter(kind="trip").exclude(pk=first.order_id).get().trip


def test_repeat_last_trip_from_the_caller_card(business: Business, shop: dict) -> None:
    customer = shop["customer"]
    CustomerPhone.objects.create(customer=customer, number="+6281299990000", is_primary=True)
    home = Address.objects.create(customer=customer, line="Jl. Dago 10", landmark="depan warung")
    first = bookings.trip_book(
        actor=business.cashier_a,
        customer=customer,
        branch=business.branch_a,
        pickup_at=timezone.now() + dt.timedelta(hours=1),
        pickup_address=home,
        destination="Stasiun Bandung",
    )
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    card = web.get(reverse("customers:caller_lookup") + "?phone=081299990000").content.decode()
    assert 'data-testid="repeat-last-trip"' in card and "Jl. Dago 10" in card
    assert 'data-testid="last-destination">→ Stasiun Bandung<' in card  # where that trip went
    # That trip is still to come: the card says so before a second one is booked.
    at = timezone.localtime(first.pickup_at).strftime("%H:%M")
    assert 'data-testid="open-trip"' in card and f"Already booked: {first.order.number}" in card and at in card
    response = web.post(reverse("sales:trip_repeat", args=[customer.pk]), follow=True)
    assert customer.orders.filter(kind="trip").count() == 2
    when = date_format(timezone.localtime(first.pickup_at), "SHORT_DATETIME_FORMAT")  # the day too: it may be tomorrow
    assert f"Siti Rahma also has trip {first.order.number} on {when}" in response.content.decode()
    # Back on the board of that trip's day and branch, where it is assigned next.
    day = timezone.localtime(second_trip(customer, first).pickup_at).date().isoformat()
    assert response.redirect_chain[-1][0] == f"/trips/?day={day}&branch={business.branch_a.pk}"
    bookings.trip_cancel(actor=business.cashier_a, trip=first)
    second = customer.orders.filter(kind="trip").exclude(pk=first.order_id).get().trip
    bookings.trip_assign(actor=business.cashier_a, trip=second, driver_name="Pak Budi")
    bookings.trip_complete(actor=business.cashier_a, trip=second, fare=50_000)
    done = web.get(reverse("customers:caller_lookup") + "?phone=081299990000").content.decode()
    assert 'data-testid="open-trip"' not in done  # nothing still to come


def test_customer_page_shows_purchases(business: Business, order: Order) -> None:
    html = client_for(business.cashier_a).get(reverse("customers:detail", args=[order.customer_id])).content.decode()
    assert order.number in html and 'data-testid="purchases"' in html and 'data-testid="new-sale"' in html


def test_api_orders_with_idempotency(business: Business, shop: dict) -> None:
    from setia.accounts.services import api_key_create

    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    web = client_for(None)
    body = {
        "branch_id": business.branch_a.pk,
        "customer_id": shop["customer"].pk,
        "lines": [{"product_id": shop["shampoo"].pk, "quantity": 2}],
        "payments": [{"method": "qris", "amount": 91_000}],
    }
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "pos-2026-0001"}
    first = web.post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert first.status_code == 201, first.content
    assert first.json()["total"] == 91_000 and first.json()["lines"][0]["quantity"] == 2
    again = web.post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = web.post(
        "/api/v1/orders",
        {**body, "payments": [{"method": "cash", "amount": 91_000}]},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 400 and "idempotency_key" in changed.json()["extra"]
    bad = web.post(
        "/api/v1/orders",
        {**body, "lines": [{"product_id": shop["shampoo"].pk, "quantity": -1}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bad.status_code == 400 and "lines[1].quantity" in bad.json()["extra"]
    assert Order.objects.count() == 1
    assert web.post("/api/v1/orders", body, content_type="application/json").status_code == 401


def test_api_order_just_recorded_answers_as_the_order_read_back(business: Business, shop: dict) -> None:
    """The answer to a new order is built from what was written, not read back: it must be the
    same as reading the order (cash with change, points paid, several lines, PPN)."""
    from setia.accounts.services import api_key_create
    from setia.loyalty.services.membership import membership_join

    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    member = membership_join(actor=business.owner, customer=shop["customer"])
    member.points_balance = 50
    member.save(update_fields=["points_balance"])
    web = client_for(None)
    headers = {"Authorization": f"Bearer {key}"}
    body = {
        "branch_id": business.branch_a.pk,
        "customer_id": shop["customer"].pk,
        "lines": [{"product_id": shop["shampoo"].pk, "quantity": 2}, {"product_id": shop["creambath"].pk}],
        "payments": [{"method": "cash", "amount": 300_000}],
        "points": 20,
    }
    created = web.post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    read = web.get(f"/api/v1/orders/{created.json()['id']}", headers=headers)
    assert created.json() == read.json()
    # Rendered without the schema's second validation: byte for byte what the schema renders.
    assert created.content == read.content and created["Content-Type"] == read["Content-Type"]
    assert len(created.json()["lines"]) == 2 and len(created.json()["payments"]) == 2
    cash = next(payment for payment in created.json()["payments"] if payment["method"] == "cash")
    assert cash["tendered"] == 300_000 and cash["change"] == 300_000 - cash["amount"] > 0  # the change given back
    points = next(payment for payment in created.json()["payments"] if payment["method"] == "points")
    assert (points["tendered"], points["change"]) == (None, 0)


def test_api_order_for_a_customer_the_till_may_not_sell_to_is_refused_and_writes_nothing(
    business: Business, shop: dict
) -> None:
    """The API names the customer by id; checkout reads her with her lock and refuses there."""
    from setia.accounts.services import api_key_create
    from setia.core.models import AuditEvent
    from setia.customers.models import Customer

    _record, key = api_key_create(actor=business.cashier_b, name="pos dago")
    web = client_for(None)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "pos-dgo-0001"}
    body = {
        "branch_id": business.branch_b.pk,
        "customer_id": shop["customer"].pk,  # a Kemang customer, not shared across branches
        "lines": [{"product_id": shop["shampoo"].pk}],
        "payments": [{"method": "qris", "amount": 45_500}],
    }
    other_branch = web.post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert other_branch.status_code == 400 and "customer_id" in other_branch.json()["extra"], other_branch.content
    unknown = web.post(
        "/api/v1/orders", {**body, "customer_id": 999_999}, content_type="application/json", headers=headers
    )
    assert unknown.status_code == 400 and unknown.json()["extra"] == {"customer_id": ["tidak ditemukan"]}
    merged_away = Customer.objects.create(
        name="Siti R.", search_name="siti r.", home_branch=business.branch_b, merged_into=shop["customer"]
    )
    merged = web.post(
        "/api/v1/orders", {**body, "customer_id": merged_away.pk}, content_type="application/json", headers=headers
    )
    assert merged.status_code == 400 and "customer_id" in merged.json()["extra"]
    assert Order.objects.count() == 0 and not AuditEvent.objects.filter(object_type="sales.order").exists()
    walk_in = web.post(
        "/api/v1/orders", {**body, "customer_id": None}, content_type="application/json", headers=headers
    )
    assert walk_in.status_code == 201, walk_in.content


def test_a_card_of_another_branch_says_why_it_finds_nobody(business: Business, shop: dict) -> None:
    from setia.customers.models import Customer

    dewi = Customer.objects.create(name="Dewi", search_name="dewi", home_branch=business.branch_b)
    card = membership.membership_join(actor=business.owner, customer=dewi).number
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    page = web.get(reverse("sales:cashier_customers") + f"?find={card.lower()}").content.decode()
    assert 'data-testid="card-elsewhere"' in page and "belongs to a member of Dago" in page
    assert "Dewi" not in page  # her name stays with her branch
    unknown = web.get(reverse("sales:cashier_customers") + "?find=SET99999999").content.decode()
    assert 'data-testid="card-elsewhere"' not in unknown and 'data-testid="no-customer"' in unknown
    owner = client_for(business.owner).get(reverse("sales:cashier_customers") + f"?find={card}").content.decode()
    assert "Dewi" in owner and 'data-testid="card-elsewhere"' not in owner


def test_an_appointment_checked_out_at_the_till_is_closed(business: Business, shop: dict) -> None:
    """ "Use the cashier screen" on the calendar opens the till with her, the service and its
    stylist in the sale; she adds a shampoo and pays: one order (the appointment's), the
    appointment completed, the calendar no longer asks for payment. Without the service in the
    sale the till refuses, naming it; another branch's cashier gets an empty till."""
    from setia.sales.models import Appointment

    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    appointment = bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=start,
        staff=business.cashier_a,
    )
    web = client_for(business.cashier_a)
    calendar = web.get(f"/appointments/?day={start.date().isoformat()}&branch={business.branch_a.pk}")
    assert f'href="/cashier/?appointment={appointment.pk}"' in calendar.content.decode()
    till = web.get(reverse("sales:cashier"), {"appointment": appointment.pk})
    assert till.context["customer"] == shop["customer"] and till.context["appointment"] == appointment
    assert [(line.product_id, line.staff_id) for line in till.context["lines"]] == [
        (shop["creambath"].pk, business.cashier_a.pk)
    ]
    assert 'data-testid="till-appointment"' in till.content.decode()
    form = {
        "branch": business.branch_a.pk,
        "customer": shop["customer"].pk,
        "appointment": appointment.pk,
        "sale_key": "cashier-test-0002",
        "line_product": [shop["creambath"].pk, shop["shampoo"].pk],
        "line_quantity": ["1", "1"],
        "line_price": ["", ""],
        "line_description": ["Creambath", "Shampoo"],
        "line_staff": [business.cashier_a.pk, ""],
        "pay_method": ["cash"],
        "pay_amount": [""],
    }
    refused = web.post(
        reverse("sales:cashier"),
        {
            **form,
            "line_product": [shop["shampoo"].pk],
            "action": "pay",
            "line_quantity": ["1"],
            "line_price": [""],
            "line_description": ["Shampoo"],
            "line_staff": [""],
        },
    )
    assert refused.status_code == 200 and "Creambath" in refused.context["error"].message
    assert Appointment.objects.get().status == "booked" and Order.objects.get().status == "booked"
    paid = web.post(reverse("sales:cashier"), {**form, "action": "pay"})
    assert paid.status_code == 302
    appointment.refresh_from_db()
    sale = Order.objects.get()
    assert (appointment.status, sale.pk, sale.status, sale.lines.count()) == (
        "completed",
        appointment.order_id,
        "fulfilled",
        2,
    )
    assert paid["Location"] == reverse("sales:order_detail", args=[sale.pk])
    again = web.post(reverse("sales:cashier"), {**form, "action": "pay"})  # a double click
    assert again.status_code == 200 and again.context["error"].message == "Janji temu ini sudah ditutup."
    assert Order.objects.count() == 1
    after = web.get(f"/appointments/?day={start.date().isoformat()}&branch={business.branch_a.pk}").content.decode()
    assert "?appointment=" not in after
    other = client_for(business.cashier_b).get(reverse("sales:cashier"), {"appointment": appointment.pk})
    assert other.status_code == 200 and other.context["appointment"] is None and other.context["lines"] == []


def test_a_booking_not_yet_done_has_no_receipt_and_no_amount_in_her_purchases(business: Business, shop: dict) -> None:
    from setia.customers.models import CustomerEmail

    CustomerPhone.objects.create(customer=shop["customer"], number="+6281234567890", is_primary=True)
    CustomerEmail.objects.create(customer=shop["customer"], email="siti@example.com")
    trip = _trip(business, shop)
    web = client_for(business.cashier_a)
    page = web.get(reverse("sales:order_detail", args=[trip.order_id])).content.decode()
    assert 'data-testid="receipt-58"' not in page and 'data-testid="receipt-whatsapp"' not in page
    assert "Email receipt" not in page and "Kirim struk" not in page
    assert web.get(reverse("sales:order_receipt", args=[trip.order_id]) + "?size=58").status_code == 404
    web.post(reverse("sales:order_receipt_email", args=[trip.order_id]))
    from django.core import mail

    assert not mail.outbox
    panel = web.get(reverse("customers:detail", args=[shop["customer"].pk])).content.decode()
    row = panel[panel.index(trip.order.number) :][:400]
    assert "—" in row and "Rp 0" not in row
    bookings.trip_assign(actor=business.cashier_a, trip=trip, driver_name="Pak Budi")
    bookings.trip_complete(actor=business.cashier_a, trip=trip, fare=72_000)
    done = web.get(reverse("sales:order_detail", args=[trip.order_id])).content.decode()
    assert 'data-testid="receipt-58"' in done and 'data-testid="receipt-whatsapp"' in done
    assert web.get(reverse("sales:order_receipt", args=[trip.order_id]) + "?size=58").status_code == 200


def test_an_appointment_check_out_with_a_decimal_amount_is_refused_and_changes_nothing(
    business: Business, shop: dict
) -> None:
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    appointment = bookings.appointment_book(
        actor=business.cashier_a,
        customer=shop["customer"],
        branch=business.branch_a,
        service=shop["creambath"],
        starts_at=start,
    )
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    url = reverse("sales:appointment_action", args=[appointment.pk, "checkout"])
    page = web.post(url, {"amount": "150000.5", "method": "cash"}, follow=True).content.decode()
    assert "Amount received: “150000.5” is not a whole number" in page
    appointment.refresh_from_db()
    assert appointment.order.status == "booked" and not appointment.order.payments.exists()
    # Paid as typed, Indonesian style: the page says the appointment was paid (not "sale recorded").
    page = web.post(url, {"amount": "150.000", "method": "cash"}, follow=True).content.decode()
    appointment.refresh_from_db()
    assert appointment.order.status == "fulfilled"
    assert f"Appointment {appointment.order.number} paid." in page


def test_codes_valid_until_a_past_moment_are_refused_on_the_voucher_page(business: Business) -> None:
    from setia.loyalty.models import Voucher, VoucherCode
    from setia.loyalty.services import vouchers

    voucher = vouchers.voucher_create(actor=business.owner, name="Diskon", kind=Voucher.Kind.AMOUNT, value=20_000)
    web = client_for(business.owner)
    web.cookies["django_language"] = "en"
    past = (timezone.localtime() - dt.timedelta(days=31)).strftime("%Y-%m-%dT%H:%M")
    page = web.post(f"/loyalty/vouchers/{voucher.pk}/", {"count": 1, "max_uses": 1, "valid_until": past})
    assert page.status_code == 200 and "that moment has passed" in page.content.decode()
    assert 'data-field-error="valid_until"' in page.content.decode() and not VoucherCode.objects.exists()


def test_booking_a_trip_without_a_customer_leads_to_the_caller_search(business: Business) -> None:
    web = client_for(business.cashier_a)
    web.cookies["django_language"] = "en"
    response = web.get(reverse("sales:trip_new"), follow=True)
    assert response.redirect_chain == [(reverse("customers:calls"), 302)]
    assert "Find the customer by her phone number, then book her trip from her card." in response.content.decode()
    assert client_for(business.analyst).get(reverse("sales:trip_new")).status_code == 403
