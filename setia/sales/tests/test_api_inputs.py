"""API bodies a client gets slightly wrong: a clear 4xx naming the field, never a 500 and never a
number read as a thousandth of itself."""

import datetime as dt
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from setia.accounts.services import api_key_create
from setia.catalog.models import Product
from setia.conftest import Business, make_user
from setia.sales.models import Order, Trip

pytestmark = pytest.mark.django_db


def _api(user: object) -> Client:
    _record, key = api_key_create(actor=user, name="pos")  # type: ignore[arg-type]
    return Client(headers={"Authorization": f"Bearer {key}"})


def _sale(business: Business, shop: dict, **line: object) -> dict:
    return {
        "branch_id": business.branch_a.pk,
        "customer_id": shop["customer"].pk,
        "lines": [{"product_id": shop["shampoo"].pk, **line}],
        "payments": [{"method": "qris", "amount": 45_500}],
    }


def test_a_line_served_by_someone_unknown_or_of_another_branch_is_refused_naming_it(
    business: Business, shop: dict
) -> None:
    api = _api(business.cashier_a)
    stylist_b = make_user("stylist_b", "cashier", business.branch_b)
    for staff in (99_999, stylist_b.pk):
        refused = api.post("/api/v1/orders", _sale(business, shop, staff_id=staff), content_type="application/json")
        assert refused.status_code == 400, refused.content
        assert list(refused.json()["extra"]) == ["lines[1].staff_id"]
    assert Order.objects.count() == 0
    served = api.post(
        "/api/v1/orders", _sale(business, shop, staff_id=business.cashier_a.pk), content_type="application/json"
    )
    assert served.status_code == 201, served.content
    assert served.json()["lines"][0]["staff_id"] == business.cashier_a.pk


def test_amounts_sent_as_text_are_refused_not_read_as_a_thousandth(business: Business, shop: dict) -> None:
    api = _api(business.cashier_a)
    body = _sale(business, shop)
    body["payments"] = [{"method": "qris", "amount": "45.500"}]
    refused = api.post("/api/v1/orders", body, content_type="application/json")
    assert 400 <= refused.status_code < 500 and "amount" in refused.content.decode()
    product = Product.objects.get(pk=shop["creambath"].pk)
    owner = _api(business.owner)
    patched = owner.patch(f"/api/v1/products/{product.pk}", {"price": "150.000"}, content_type="application/json")
    assert 400 <= patched.status_code < 500 and "price" in patched.content.decode()
    assert Order.objects.count() == 0 and Product.objects.get(pk=product.pk).price == product.price
    assert (
        owner.patch(f"/api/v1/products/{product.pk}", {"price": 160_000}, content_type="application/json").json()[
            "price"
        ]
        == 160_000
    )


def test_a_trip_time_without_a_zone_is_the_business_s_local_time(business: Business, shop: dict) -> None:
    local = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=17, minute=0, second=0, microsecond=0)
    booked = _api(business.cashier_a).post(
        "/api/v1/trips",
        {
            "customer_id": shop["customer"].pk,
            "branch_id": business.branch_a.pk,
            "pickup_at": local.strftime("%Y-%m-%dT%H:%M:%S"),
            "pickup_text": "Jl. Melati No. 12",
        },
        content_type="application/json",
    )
    assert booked.status_code == 201, booked.content
    assert Trip.objects.get().pickup_at == local  # 17:00 in Jakarta, not 17:00 UTC


def test_a_refund_of_an_amount_and_lines_at_once_is_refused(business: Business, shop: dict) -> None:
    sale = _api(business.cashier_a).post("/api/v1/orders", _sale(business, shop), content_type="application/json")
    assert sale.status_code == 201, sale.content
    order = sale.json()
    manager = _api(business.manager)
    both = manager.post(
        f"/api/v1/orders/{order['id']}/refunds",
        {"reason": "x", "amount": 1_000, "lines": {str(order["lines"][0]["id"]): 1}},
        content_type="application/json",
    )
    assert both.status_code == 400 and list(both.json()["extra"]) == ["amount"]
    assert Order.objects.get(pk=order["id"]).refunded_total == 0
    part = manager.post(
        f"/api/v1/orders/{order['id']}/refunds", {"reason": "x", "amount": 1_000}, content_type="application/json"
    )
    assert part.status_code == 201 and part.json()["refunded_total"] == 1_000


def test_another_sender_s_idempotency_key_is_refused_not_answered_with_her_order(
    business: Business, shop: dict
) -> None:
    body = _sale(business, shop)
    key = {"Idempotency-Key": "pos-2026-0001"}
    first = _api(business.cashier_a).post("/api/v1/orders", body, content_type="application/json", headers=key)
    assert first.status_code == 201, first.content
    other = _api(business.manager).post("/api/v1/orders", body, content_type="application/json", headers=key)
    assert other.status_code == 400 and list(other.json()["extra"]) == ["idempotency_key"]
    assert str(first.json()["number"]) not in other.content.decode() and Order.objects.count() == 1
    again = _api(business.cashier_a).post("/api/v1/orders", body, content_type="application/json", headers=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]  # her own retry still works


# --- Error shape: the request's own field names, items counted from 1, in the reader's language -------


def _english(user: object) -> Client:
    client = _api(user)
    client.cookies["django_language"] = "en"
    return client


def _post(client: Client, body: object, path: str = "/api/v1/orders") -> tuple[int, dict]:
    response = client.post(path, body, content_type="application/json")
    assert response.status_code < 500, response.content
    return response.status_code, response.json()


def test_a_misspelt_field_is_refused_not_left_out(business: Business, shop: dict) -> None:
    body = _sale(business, shop)
    body["lines"][0]["qty"] = 3  # for "quantity": the sale would be recorded with one
    body["customer"] = body.pop("customer_id")  # the sale would be a guest's
    status, answer = _post(_english(business.cashier_a), body)
    assert status == 400
    assert answer["extra"] == {
        "lines[1].qty": ["Unknown field: leave it out or check its spelling."],
        "customer": ["Unknown field: leave it out or check its spelling."],
    }
    assert Order.objects.count() == 0


def test_the_schema_and_the_sale_name_the_second_line_alike(business: Business, shop: dict) -> None:
    api = _english(business.cashier_a)
    body = _sale(business, shop)
    body["lines"].append({"product_id": shop["shampoo"].pk, "quantity": 1.5})
    status, answer = _post(api, body)
    whole = "Enter a whole number (a JSON number, not text)."
    assert status == 400 and answer["extra"] == {"lines[2].quantity": [whole]}
    assert answer["message"] == "lines[2].quantity: Enter a whole number (a JSON number, not text)."
    body["lines"][1]["quantity"] = -1
    status, answer = _post(api, body)
    assert status == 400 and list(answer["extra"]) == ["lines[2].quantity"]
    body["lines"][1] = {"product_id": 999_999, "quantity": 1}
    status, answer = _post(api, body)
    assert status == 400 and list(answer["extra"]) == ["lines[2].product_id"]
    assert Order.objects.count() == 0


def test_schema_messages_speak_indonesian(business: Business, shop: dict) -> None:
    api = _api(business.cashier_a)
    api.cookies["django_language"] = "id"
    body = _sale(business, shop)
    del body["branch_id"]
    status, answer = _post(api, body)
    assert status == 400 and answer["extra"] == {"branch_id": ["Bidang ini tidak boleh kosong."]}
    body = _sale(business, shop)
    body["customer_id"] = 999_999
    status, answer = _post(api, body)
    assert status == 400 and answer["message"] == "customer_id: tidak ditemukan"
    not_json = api.post("/api/v1/orders", "{lines: [", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json()["message"] == "Isi permintaan bukan JSON yang sah."


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("customer", "customer_id"),
        ("product", "lines[1].product_id"),
        ("staff", "lines[1].staff_id"),
        ("payment", "payments[1].amount"),
    ],
)
def test_a_number_too_large_to_store_is_refused_naming_its_field(
    business: Business, shop: dict, where: str, field: str
) -> None:
    huge = 2**63
    body = _sale(business, shop)
    holder, name = {
        "customer": (body, "customer_id"),
        "product": (body["lines"][0], "product_id"),
        "staff": (body["lines"][0], "staff_id"),
        "payment": (body["payments"][0], "amount"),
    }[where]
    holder[name] = huge
    status, answer = _post(_english(business.cashier_a), body)
    assert status == 400 and answer["extra"] == {field: ["The number is too large."]}
    assert Order.objects.count() == 0


def test_an_id_too_large_in_the_path_or_query_is_a_400_not_a_500(business: Business, shop: dict) -> None:
    api = _english(business.manager)
    listed = api.get(f"/api/v1/orders?customer_id={2**63}")
    paid = api.post(f"/api/v1/orders/{2**63}/pay", {"payments": []}, content_type="application/json")
    # SQLite cannot compare such a number (400); PostgreSQL compares it and finds nothing.
    assert listed.status_code == 400 or (listed.status_code == 200 and listed.json()["items"] == []), listed.content
    assert paid.status_code in (400, 404) and "message" in paid.json(), paid.content


def test_a_trip_s_times_come_back_in_utc_and_an_unknown_payment_method_is_named(business: Business, shop: dict) -> None:
    api = _english(business.cashier_a)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)  # bookings are taken up to a year ahead
    status, trip = _post(
        api,
        {
            "customer_id": shop["customer"].pk,
            "branch_id": business.branch_a.pk,
            "pickup_at": f"{tomorrow.isoformat()}T17:00:00+07:00",
            "pickup_text": "Jl. Melati No. 12",
        },
        "/api/v1/trips",
    )
    utc = f"{tomorrow.isoformat()}T10:00:00"
    assert status == 201 and trip["pickup_at"] in (f"{utc}Z", f"{utc}+00:00")
    assert _post(api, {"driver_name": "Pak Budi"}, f"/api/v1/trips/{trip['id']}/assign")[0] == 200
    driven = Trip.objects.get().pickup_at  # completed once driven
    with mock.patch("django.utils.timezone.now", return_value=driven):
        status, answer = _post(api, {"fare": 50_000, "method": "bitcoin"}, f"/api/v1/trips/{trip['id']}/complete")
    assert status == 400 and list(answer["extra"]) == ["method"]
    assert Trip.objects.get().status == "assigned"


def test_an_unknown_order_status_in_the_list_is_refused_not_an_empty_list(business: Business) -> None:
    refused = _english(business.manager).get("/api/v1/orders?status=bogus")
    assert refused.status_code == 400 and list(refused.json()["extra"]) == ["status"]
    assert "fulfilled" in refused.json()["message"]
    assert _english(business.manager).get("/api/v1/orders?status=fulfilled").status_code == 200


@pytest.mark.parametrize("who", ["nobody", "another branch's"])
def test_a_trip_for_a_customer_not_found_is_refused_at_customer_id(business: Business, shop: dict, who: str) -> None:
    from setia.customers.models import Customer

    other = Customer.objects.create(name="Dewi", search_name="dewi", home_branch=business.branch_b)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    status, answer = _post(
        _api(business.cashier_a),
        {
            "customer_id": 999_999 if who == "nobody" else other.pk,
            "branch_id": business.branch_a.pk,
            "pickup_at": f"{tomorrow.isoformat()}T17:00:00+07:00",
            "pickup_text": "Jl. Melati No. 12",
        },
        "/api/v1/trips",
    )
    assert status == 400 and list(answer["extra"]) == ["customer_id"]
    assert not Trip.objects.exists()


def test_an_id_in_the_address_that_is_not_a_number_is_named_as_such(business: Business) -> None:
    """Not "a JSON number": the path and the query are text in the address."""
    api = _api(business.owner)
    api.cookies["django_language"] = "en"
    for url, field in (("/api/v1/orders/abc", "order_id"), ("/api/v1/orders?customer_id=x", "customer_id")):
        answer = api.get(url)
        assert answer.status_code == 400
        assert answer.json()["extra"] == {field: ["Enter a whole number, e.g. 42."]}


def test_json_types_are_taken_as_sent_not_converted(business: Business, shop: dict) -> None:
    """An id as text or true, true/false as text or a number, a time as a number: refused at the
    field (pydantic would read "31" as 31, true as 1, "yes" as true, 12345 as a Unix time)."""
    api = _english(business.cashier_a)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    trip = {
        "customer_id": shop["customer"].pk,
        "branch_id": business.branch_a.pk,
        "pickup_at": f"{tomorrow.isoformat()}T17:00:00+07:00",
        "pickup_text": "Jl. Melati No. 12",
    }
    whole, when = "Enter a whole number (a JSON number, not text).", "Enter a date and time"
    for field, value, message in (
        ("customer_id", str(shop["customer"].pk), whole),
        ("branch_id", True, whole),
        ("pickup_at", 1_800_000_000, when),
    ):
        status, answer = _post(api, {**trip, field: value}, "/api/v1/trips")
        assert status == 400 and list(answer["extra"]) == [field], answer
        assert answer["extra"][field][0].startswith(message)
    assert Trip.objects.count() == 0
    status, _booked = _post(api, trip, "/api/v1/trips")  # the same body with its types right
    assert status == 201
    for no_show in ("yes", "false", 0):
        status, answer = _post(api, {"no_show": no_show}, "/api/v1/appointments/1/cancel")
        assert status == 400 and answer["extra"] == {"no_show": ["Enter true or false."]}, answer


def test_a_request_without_its_body_is_told_to_send_one(business: Business, shop: dict) -> None:
    api = _english(business.owner)
    answer = api.post("/api/v1/trips/1/cancel", "", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "__all__: Send a JSON object as the request body: {} when every field is left out."
    )
