"""Minimum and maximum of whole-number, decimal and date custom fields: defined on the field form,
checked in one place (convert_value) for the customer form, the API and the import alike."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import translation

from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.errors import ApplicationError
from setia.core.models import AuditEvent
from setia.customers import imports
from setia.customers.custom_fields import convert_value
from setia.customers.models import Customer, CustomFieldDefinition
from setia.customers.services import (
    ContactPoints,
    PhoneIn,
    custom_field_create,
    custom_field_update,
    customer_create,
    customer_update,
)


@pytest.fixture(autouse=True)
def english(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Messages are checked in English (the user's language is shown in its own test); uploads go
    to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _english(client: Client) -> Client:
    """Pages in English for this client (the user's language would be Indonesian)."""
    client.cookies["django_language"] = "en"
    return client


def _weight(business: Business, **limits: Any) -> CustomFieldDefinition:
    return custom_field_create(
        actor=business.owner, key="berat_badan", label="Berat badan (kg)", field_type="decimal", **limits
    )


def _customer(business: Business, **custom: Any) -> Customer:
    return customer_create(
        actor=business.owner,
        name="Siti Nurhaliza",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-3456-7890")]),
        custom=custom,
    )


def _as_if_saved_earlier() -> None:
    """The test's one transaction still holds the new customer's deferred foreign-key checks on
    PostgreSQL, beside which the field update cannot rebuild its index (CREATE INDEX refuses); in
    use the customer was saved by an earlier request. Run the checks now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _refusal(definition: CustomFieldDefinition, value: Any) -> str:
    with pytest.raises(ValueError) as error:
        convert_value(definition, value)
    return str(error.value)


# --- The one check ------------------------------------------------------------------------------


def test_whole_number_limits_name_the_limit_and_keep_the_edges() -> None:
    age = CustomFieldDefinition(key="umur", label="Umur", field_type="integer", minimum=0, maximum=120)
    assert convert_value(age, "0") == 0
    assert convert_value(age, 120) == 120
    assert _refusal(age, "-1") == "must be at least 0"
    assert _refusal(age, "121") == "must be at most 120"
    visits = CustomFieldDefinition(key="kunjungan", label="Kunjungan", field_type="integer")
    assert convert_value(visits, "1.500") == 1500 and convert_value(visits, "-20") == -20
    assert _refusal(visits, "1.5") == "enter a whole number"  # not 15


def test_decimal_limits_compare_as_numbers_not_text() -> None:
    weight = CustomFieldDefinition(key="b", label="B", field_type="decimal", minimum="2.5", maximum="300")
    assert convert_value(weight, "61,5") == "61.5"  # "61.5" > "300" as text; as a number it is inside
    assert convert_value(weight, "2.5") == "2.5"
    assert convert_value(weight, "300.0") == "300.0"
    assert _refusal(weight, "2.49") == "must be at least 2.5"
    assert _refusal(weight, "300.01") == "must be at most 300"


def test_date_limits_are_the_earliest_and_latest_date() -> None:
    since = CustomFieldDefinition(key="s", label="S", field_type="date", minimum="2020-01-01", maximum="2026-12-31")
    assert convert_value(since, "01/01/2020") == "2020-01-01"
    assert convert_value(since, dt.date(2026, 12, 31)) == "2026-12-31"
    assert _refusal(since, "31/12/2019") == "must be on or after 1 January 2020"
    assert _refusal(since, "2027-01-01") == "must be on or before 31 December 2026"


def test_one_limit_alone_and_no_limit() -> None:
    at_least = CustomFieldDefinition(key="x", label="X", field_type="integer", minimum=1)
    assert convert_value(at_least, 10**9) == 10**9
    unlimited = CustomFieldDefinition(key="y", label="Y", field_type="integer")
    assert convert_value(unlimited, -(10**9)) == -(10**9)


def test_the_limit_in_the_message_is_written_the_users_way() -> None:
    weight = CustomFieldDefinition(key="b", label="B", field_type="decimal", minimum="2.5", maximum="1000.5")
    with translation.override("id"):
        assert _refusal(weight, "1") == "minimal 2,5"
        assert _refusal(weight, "2000") == "maksimal 1000,5"


# --- Defining the limits ------------------------------------------------------------------------


def test_limits_are_stored_in_the_values_own_form(business: Business) -> None:
    weight = _weight(business, minimum="2,5", maximum="300")
    assert (weight.minimum, weight.maximum) == ("2.5", "300")
    age = custom_field_create(actor=business.owner, key="umur", label="Umur", field_type="integer", minimum="0")
    assert (age.minimum, age.maximum) == (0, None)
    since = custom_field_create(
        actor=business.owner, key="sejak", label="Sejak", field_type="date", maximum="31/12/2026"
    )
    since.refresh_from_db()
    assert (since.minimum, since.maximum) == (None, "2026-12-31")


def test_minimum_above_maximum_is_refused_and_nothing_is_saved(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        _weight(business, minimum="500", maximum="0")
    assert error.value.extra == {"minimum": ["The minimum must not be more than the maximum."]}
    assert not CustomFieldDefinition.objects.exists()
    weight = _weight(business, minimum="0", maximum="500")
    with pytest.raises(ApplicationError) as error:
        custom_field_update(actor=business.owner, definition=weight, maximum="-1")
    assert list(error.value.extra) == ["minimum"]
    weight.refresh_from_db()
    assert (weight.minimum, weight.maximum) == ("0", "500")


def test_equal_limits_allow_one_value(business: Business) -> None:
    weight = _weight(business, minimum="70", maximum="70")
    assert convert_value(weight, "70") == "70"


@pytest.mark.parametrize("field_type", ["text", "long_text", "boolean", "choice", "multi_choice"])
def test_a_limit_on_a_field_without_order_is_refused(business: Business, field_type: str) -> None:
    choices = ["A", "B"] if "choice" in field_type else []
    with pytest.raises(ApplicationError) as error:
        custom_field_create(
            actor=business.owner, key="x", label="X", field_type=field_type, choices=choices, maximum="5"
        )
    assert error.value.extra == {
        "maximum": ["Only whole number, decimal number and date fields have a minimum and maximum."]
    }
    assert not CustomFieldDefinition.objects.exists()
    # Empty boxes (as the form sends them) are no limit, for every type.
    field = custom_field_create(
        actor=business.owner, key="x", label="X", field_type=field_type, choices=choices, minimum="", maximum=""
    )
    assert (field.minimum, field.maximum) == (None, None)


def test_a_limit_that_is_not_of_the_fields_type_is_refused(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        _weight(business, maximum="berat")
    assert error.value.message == "Maximum: enter a number"
    assert error.value.extra == {"maximum": ["enter a number"]}
    with pytest.raises(ApplicationError) as error:
        custom_field_create(actor=business.owner, key="d", label="D", field_type="date", minimum="kemarin")
    assert list(error.value.extra) == ["minimum"]
    assert not CustomFieldDefinition.objects.exists()


def test_changing_limits_never_touches_stored_values(business: Business) -> None:
    weight = _weight(business)
    customer = _customer(business, berat_badan="350")
    _as_if_saved_earlier()
    custom_field_update(actor=business.owner, definition=weight, minimum="20", maximum="300")
    customer.refresh_from_db()
    assert customer.custom == {"berat_badan": "350"}
    event = AuditEvent.objects.filter(subject_key=f"customers.customfielddefinition:{weight.pk}").latest("pk")
    assert event.changes["maximum"] == [None, "300"]
    # Sent back unchanged (the customer form sends every field), the old value is kept ...
    customer = customer_update(
        actor=business.owner, customer=customer, version=customer.version, name="Siti N.", custom={"berat_badan": "350"}
    )
    assert customer.custom == {"berat_badan": "350"} and customer.name == "Siti N."
    # ... and refused only when someone changes it.
    with pytest.raises(ApplicationError) as error:
        customer_update(
            actor=business.owner, customer=customer, version=customer.version, custom={"berat_badan": "320"}
        )
    assert error.value.extra == {"custom.berat_badan": ["must be at most 300"]}
    customer.refresh_from_db()
    assert customer.custom == {"berat_badan": "350"}
    customer = customer_update(
        actor=business.owner, customer=customer, version=customer.version, custom={"berat_badan": "72"}
    )
    assert customer.custom == {"berat_badan": "72"}


def test_the_list_filter_finds_a_kept_value_outside_new_limits(business: Business) -> None:
    from setia.customers.selectors import ListFilters, customer_list

    weight = _weight(business)
    customer = _customer(business, berat_badan="350")
    _as_if_saved_earlier()
    custom_field_update(actor=business.owner, definition=weight, minimum="20", maximum="300")
    assert list(customer_list(actor=business.owner, filters=ListFilters(custom={"berat_badan": "350"}))) == [customer]
    assert (
        list(customer_list(actor=business.owner, filters=ListFilters(custom={"berat_badan": "berat"}))) == []
    )  # not a number


# --- The three paths a value comes in by -------------------------------------------------------


def _form_data(client: Client, url: str) -> dict[str, Any]:
    """What the browser would send back for the page's form, unchanged."""
    form = client.get(url).context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def test_customer_form_shows_the_refusal_under_the_field(business: Business) -> None:
    _weight(business, minimum="20", maximum="300")
    customer = _customer(business, berat_badan="61.5")
    client = _english(client_for(business.cashier_a))
    url = f"/customers/{customer.pk}/edit/"
    data = _form_data(client, url)
    assert data["cf_berat_badan"] == "61.5"
    response = client.post(url, {**data, "cf_berat_badan": "3000"})
    assert response.status_code == 200
    assert response.context["form"].errors["cf_berat_badan"] == ["must be at most 300"]
    assert 'data-field-error="cf_berat_badan">must be at most 300<' in response.content.decode()
    customer.refresh_from_db()
    assert customer.custom == {"berat_badan": "61.5"} and customer.version == 1
    assert client.post(url, {**data, "cf_berat_badan": "58"}).status_code == 302
    customer.refresh_from_db()
    assert customer.custom == {"berat_badan": "58"}


def test_customer_form_keeps_an_old_value_outside_new_limits(business: Business) -> None:
    weight = _weight(business)
    customer = _customer(business, berat_badan="350")
    _as_if_saved_earlier()
    custom_field_update(actor=business.owner, definition=weight, maximum="300")
    client = _english(client_for(business.cashier_a))
    url = f"/customers/{customer.pk}/edit/"
    response = client.post(url, {**_form_data(client, url), "occupation": "Perawat"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.occupation == "Perawat" and customer.custom == {"berat_badan": "350"}


def test_api_refuses_a_value_outside_the_limits_keyed_by_the_field(business: Business) -> None:
    _weight(business, minimum="20", maximum="300")
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    payload = {"name": "Rina", "phones": [{"number": "0857-1234-5678"}], "custom": {"berat_badan": 12}}
    response = client.post("/api/v1/customers", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {  # in the key's user's language
        "message": "Berat badan (kg): minimal 20",
        "extra": {"custom.berat_badan": ["minimal 20"]},
    }
    assert not Customer.objects.exists()
    payload["custom"] = {"berat_badan": "64,5"}
    created = client.post("/api/v1/customers", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["custom"] == {"berat_badan": "64.5"}
    patched = client.patch(
        f"/api/v1/customers/{created.json()['id']}",
        {"version": 1, "custom": {"berat_badan": "301"}},
        content_type="application/json",
    )
    assert patched.status_code == 400 and patched.json()["extra"] == {"custom.berat_badan": ["maksimal 300"]}
    assert Customer.objects.get().custom == {"berat_badan": "64.5"}


def test_import_check_reports_the_limit_for_the_column(business: Business) -> None:
    _weight(business, minimum="20", maximum="300")
    custom_field_create(actor=business.owner, key="umur", label="Umur", field_type="integer", minimum=0, maximum=120)
    text = "nama;telepon;Berat badan (kg);Umur\nAyu;0812-1111-2222;61,5;30\nBudi;0812-3333-4444;450;-2\n"
    job = imports.import_upload(
        actor=business.owner, uploaded=SimpleUploadedFile("pelanggan.csv", text.encode()), mode="create"
    )
    imports.import_set_mapping(actor=business.owner, job=job, mapping=job.mapping, mode=job.mode)
    job = imports.import_check(job.pk)
    assert (job.total_rows, job.valid_rows, job.invalid_rows) == (2, 1, 1)
    assert job.errors == [
        [3, "custom.berat_badan", "must be at most 300"],
        [3, "custom.umur", "must be at least 0"],
    ]
    report = imports.report_path(job).read_text(encoding="utf-8")
    assert "Berat badan (kg): must be at most 300; Umur: must be at least 0" in report
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=True)
    imports.import_run(job.pk)
    assert list(Customer.objects.values_list("name", "custom")) == [("Ayu", {"berat_badan": "61.5", "umur": 30})]


def test_import_update_keeps_a_value_the_customer_already_holds_outside_new_limits(business: Business) -> None:
    """A file exported before the limits were set and sent back: the unchanged old value is kept
    (as the form and the API keep it); a changed value outside them is still refused."""
    weight = _weight(business)
    _customer(business, berat_badan="350")
    other = customer_create(
        actor=business.owner,
        name="Budi",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0813-1111-2222")]),
        custom={"berat_badan": "80"},
    )
    _as_if_saved_earlier()
    custom_field_update(actor=business.owner, definition=weight, minimum="20", maximum="300")
    text = "telepon;Berat badan (kg)\n0812-3456-7890;350\n0813-1111-2222;320\n0815-9999-0000;350\n"
    job = imports.import_upload(
        actor=business.owner, uploaded=SimpleUploadedFile("kembali.csv", text.encode()), mode="upsert"
    )
    imports.import_set_mapping(actor=business.owner, job=job, mapping=job.mapping, mode=job.mode)
    job = imports.import_check(job.pk)
    assert (job.valid_rows, job.invalid_rows) == (1, 2)
    assert job.errors == [
        [3, "custom.berat_badan", "must be at most 300"],
        [4, "name", "a new customer needs a name"],
        [4, "custom.berat_badan", "must be at most 300"],
    ]
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=True)
    job = imports.import_run(job.pk)
    assert (job.updated_count, job.unchanged_count, job.skipped_count) == (0, 1, 2)
    assert Customer.objects.get(name="Siti Nurhaliza").custom == {"berat_badan": "350"}
    other.refresh_from_db()
    assert other.custom == {"berat_badan": "80"}


# --- The field form and the API's list of fields ------------------------------------------------


def test_field_form_saves_limits_and_refuses_minimum_above_maximum(business: Business) -> None:
    client = _english(client_for(business.owner))
    form = {"label": "Berat badan (kg)", "key": "berat_badan", "field_type": "decimal", "position": "0"}
    response = client.post("/customers/fields/new/", {**form, "minimum": "300", "maximum": "20"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"minimum": ["The minimum must not be more than the maximum."]}
    assert not CustomFieldDefinition.objects.exists()
    response = client.post("/customers/fields/new/", {**form, "minimum": "2,5", "maximum": "300"})
    assert response.status_code == 302
    weight = CustomFieldDefinition.objects.get()
    assert (weight.minimum, weight.maximum) == ("2.5", "300")
    # The edit page shows them as stored; emptying one removes that limit.
    edit = f"/customers/fields/{weight.pk}/edit/"
    data = _form_data(client, edit)
    assert (data["minimum"], data["maximum"]) == ("2.5", "300")
    assert client.post(edit, {**data, "maximum": ""}).status_code == 302
    weight.refresh_from_db()
    assert (weight.minimum, weight.maximum) == ("2.5", None)


def test_field_form_refuses_a_limit_on_a_text_field_and_hides_the_boxes_once_typed(business: Business) -> None:
    client = _english(client_for(business.owner))
    form = {"label": "Pekerjaan", "key": "pekerjaan", "field_type": "text", "position": "0"}
    response = client.post("/customers/fields/new/", {**form, "minimum": "1"})
    assert response.context["form"].errors == {
        "minimum": ["Only whole number, decimal number and date fields have a minimum and maximum."]
    }
    assert not CustomFieldDefinition.objects.exists()
    assert client.post("/customers/fields/new/", form).status_code == 302
    text = CustomFieldDefinition.objects.get()
    html = client.get(f"/customers/fields/{text.pk}/edit/").content.decode()
    assert 'name="minimum"' not in html and 'name="maximum"' not in html  # its type cannot change
    new = client.get("/customers/fields/new/").content.decode()
    assert 'name="minimum"' in new and 'data-show-for-kind="date decimal integer"' in new
    assert 'data-kind-select="field_type"' in new and "data-show-when-filled" in new


def test_api_lists_the_limits_of_each_field(business: Business) -> None:
    _weight(business, minimum="2.5", maximum="300")
    custom_field_create(actor=business.owner, key="umur", label="Umur", field_type="integer", minimum=0)
    custom_field_create(actor=business.owner, key="sejak", label="Sejak", field_type="date", minimum="01/01/2020")
    custom_field_create(actor=business.owner, key="catatan", label="Catatan", field_type="text")
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    body = Client().get("/api/v1/customers/fields", headers={"Authorization": f"Bearer {key}"}).json()
    limits = {field["key"]: (field["minimum"], field["maximum"]) for field in body}
    assert limits == {
        "berat_badan": ("2.5", "300"),
        "umur": (0, None),
        "sejak": ("2020-01-01", None),
        "catatan": (None, None),
    }


# --- Who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_field_edit_page_per_persona(business: Business, persona_index: int) -> None:
    weight = _weight(business, minimum="20", maximum="300")
    client = client_for(persona_user(business, PERSONAS[persona_index]))
    expected = [302, 403, 403, 403, 200][persona_index]
    assert client.get(f"/customers/fields/{weight.pk}/edit/").status_code == expected
    form = {"label": "Berat", "position": "0", "minimum": "0", "maximum": "500"}
    response = client.post(f"/customers/fields/{weight.pk}/edit/", form)
    assert response.status_code == [302, 403, 403, 403, 302][persona_index]
    weight.refresh_from_db()
    changed = PERSONAS[persona_index] == "owner"
    assert (weight.minimum, weight.maximum) == (("0", "500") if changed else ("20", "300"))


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_field_create_with_limits_per_persona(business: Business, persona_index: int) -> None:
    client = client_for(persona_user(business, PERSONAS[persona_index]))
    form = {"label": "Umur", "key": "umur", "field_type": "integer", "position": "0", "minimum": "0", "maximum": "120"}
    response = client.post("/customers/fields/new/", form)
    assert response.status_code == [302, 403, 403, 403, 302][persona_index]
    expected = [(0, 120)] if PERSONAS[persona_index] == "owner" else []
    assert list(CustomFieldDefinition.objects.values_list("minimum", "maximum")) == expected


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_field_list_api_per_persona(business: Business, persona_index: int) -> None:
    _weight(business, minimum="20", maximum="300")
    user = persona_user(business, PERSONAS[persona_index])
    headers = {"Authorization": f"Bearer {api_key_create(actor=user, name='t')[1]}"} if user else {}
    response = Client().get("/api/v1/customers/fields", headers=headers)
    assert response.status_code == [401, 200, 200, 200, 200][persona_index]
    if user is not None:
        assert [(f["minimum"], f["maximum"]) for f in response.json()] == [("20", "300")]


# --- In the browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_limit_boxes_follow_the_field_type_in_the_browser(page: Any, live_server: Any) -> None:
    from setia.conftest import PASSWORD, make_user

    make_user("pemilik", "owner")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "pemilik")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/customers/fields/new/")
    form = page.get_by_test_id("field-form")
    assert form.locator("#id_field_type").input_value() == ""  # no type chosen yet
    assert not form.locator("#id_minimum").is_visible() and not form.locator("#id_maximum").is_visible()
    form.locator("#id_label").fill("Tinggi badan (cm)")
    form.locator("#id_key").fill("tinggi_cm")
    form.locator("#id_field_type").select_option("integer")
    form.locator("#id_minimum").fill("250")
    form.locator("#id_maximum").fill("30")
    form.get_by_role("button", name="Simpan").click()
    error = page.locator('[data-field-error="minimum"]')
    assert error.is_visible() and not CustomFieldDefinition.objects.exists()
    form = page.get_by_test_id("field-form")
    form.locator("#id_minimum").fill("30")
    form.locator("#id_maximum").fill("250")
    # A box holding a value stays in sight when the type changes, so what is sent is seen.
    form.locator("#id_field_type").select_option("choice")
    assert form.locator("#id_minimum").is_visible()
    form.locator("#id_field_type").select_option("integer")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(f"{base}/customers/fields/")
    assert list(CustomFieldDefinition.objects.values_list("minimum", "maximum")) == [(30, 250)]
