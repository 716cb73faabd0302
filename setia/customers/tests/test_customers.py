import pytest
from django.test import Client

from setia.accounts.services import api_key_create
from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.core.errors import ApplicationError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.models import Customer, CustomFieldDefinition
from setia.customers.selectors import customer_get, search_customers
from setia.customers.services import (
    AddressIn,
    ContactPoints,
    PhoneIn,
    consent_record,
    custom_field_archive,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    customer_create,
    customer_update,
)


def _customer(
    business: Business,
    name: str = "Siti Nurhaliza",
    phone: str = "0812-3456-7890",
    email: str = "Siti@Example.com",
    **extra: object,
) -> Customer:
    return customer_create(
        actor=business.owner,
        name=name,
        home_branch=extra.pop("home_branch", business.branch_a),  # type: ignore[arg-type]
        contacts=ContactPoints(phones=[PhoneIn(phone)], emails=[email] if email else []),
        **extra,  # type: ignore[arg-type]
    )


def test_create_normalises_contacts_and_audits(business: Business) -> None:
    customer = _customer(business)
    assert [p.number for p in customer.phones.all()] == ["+6281234567890"]
    assert [e.email for e in customer.emails.all()] == ["siti@example.com"]
    assert customer.search_name == "siti nurhaliza"
    event = AuditEvent.objects.get(subject_key=f"customers.customer:{customer.pk}")
    assert event.action == "create" and event.changes["phones"] == [None, ["+6281234567890"]]


def test_bad_phone_names_the_field_and_saves_nothing(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        _customer(business, phone="0812-12")
    assert "phones.0" in error.value.extra
    assert not Customer.objects.exists()


def test_external_id_is_unique_when_present(business: Business) -> None:
    _customer(business, external_id="POS-1")
    _customer(business, name="Tanpa Ref", phone="0813-1111-2222")
    with pytest.raises(ApplicationError) as error:
        _customer(business, name="Dua", phone="0813-1111-3333", external_id="POS-1")
    assert "external_id" in error.value.extra


def test_front_office_cannot_create_in_another_branch(business: Business) -> None:
    with pytest.raises(ApplicationError) as error:
        customer_create(actor=business.cashier_a, name="X", home_branch=business.branch_b)
    assert "home_branch" in error.value.extra
    customer = customer_create(actor=business.cashier_a, name="Y")
    assert customer.home_branch == business.branch_a


def test_address_fills_parents_from_district(business: Business) -> None:
    customer = customer_create(
        actor=business.owner,
        name="Budi",
        home_branch=business.branch_a,
        contacts=ContactPoints(addresses=[AddressIn(line="Jl. Kemang Raya 5", district_id="31.74.01")]),
    )
    address = customer.addresses.get()
    assert (address.regency_id, address.province_id) == ("31.74", "31")


def test_concurrent_edit_is_refused(business: Business) -> None:
    customer = _customer(business)
    customer_update(actor=business.owner, customer=customer, version=1, occupation="Guru")
    with pytest.raises(ApplicationError) as error:
        customer_update(actor=business.manager, customer=customer, version=1, occupation="Dokter")
    assert "version" in error.value.extra
    customer.refresh_from_db()
    assert customer.occupation == "Guru" and customer.version == 2


def test_update_audits_before_and_after(business: Business) -> None:
    customer = _customer(business)
    customer_update(
        actor=business.owner,
        customer=customer,
        version=1,
        occupation="Guru",
        contacts=ContactPoints(phones=[PhoneIn("+62 811 2222 3333")]),
    )
    event = AuditEvent.objects.filter(subject_key=f"customers.customer:{customer.pk}", action="update").get()
    assert event.changes["occupation"] == ["", "Guru"]
    assert event.changes["phones"] == [["+6281234567890"], ["+6281122223333"]]
    assert event.changes["emails"] == [["siti@example.com"], []]


def test_search_by_name_phone_email_ignoring_case_and_accents(business: Business) -> None:
    siti = _customer(business, name="Sítí Nurhaliza")
    _customer(business, name="Budi Santoso", phone="0813-9999-0000", email="budi@example.com")
    assert [c.pk for c in search_customers(actor=business.owner, query="siti")] == [siti.pk]
    assert [c.pk for c in search_customers(actor=business.owner, query="nurha")] == [siti.pk]
    assert [c.pk for c in search_customers(actor=business.owner, query="6281234567890")] == [siti.pk]
    assert [c.pk for c in search_customers(actor=business.owner, query="0812 3456 7890")] == [siti.pk]
    assert [c.pk for c in search_customers(actor=business.owner, query="SITI@example.com")] == [siti.pk]


def test_search_by_the_start_of_a_phone_number_as_it_is_typed(business: Business) -> None:
    from setia.customers.selectors import _after_prefix, phone_prefix

    _customer(business, name="Siti", phone="0813-4460-1111")
    _customer(business, name="Rina", phone="0813-4469-2222")
    _customer(business, name="Budi", phone="0813-4470-0000")
    other = _customer(business, name="Dewi", phone="0813-4461-3333")
    other.home_branch = business.branch_b
    other.save(update_fields=["home_branch"])

    def found(query: str, actor: object = business.owner) -> list[str]:
        return [c.name for c in search_customers(actor=actor, query=query)]  # type: ignore[arg-type]

    assert found("0813446") == ["Dewi", "Rina", "Siti"]  # Budi's 0813-4470 does not start so
    assert found("0813-4469") == ["Rina"] and found("62813446") == found("+62 813 446") == found("813446")
    assert found("0813446", business.cashier_a) == ["Rina", "Siti"]  # Dewi is another branch's
    assert found("08134") == []  # too few digits to search by
    assert found("0813-4460-1111") == ["Siti"]  # a whole number still finds exactly hers
    assert (phone_prefix("0813 44"), phone_prefix("abc"), phone_prefix("021 555")) == ("+6281344", "", "+6221555")
    assert (_after_prefix("+6281344"), _after_prefix("+62899"), _after_prefix("+6281349")) == (
        "+6281345",
        "+629",
        "+628135",
    )


def test_branch_visibility_in_search_and_get(business: Business) -> None:
    customer = _customer(business)
    assert search_customers(actor=business.cashier_b, query="siti") == []
    with pytest.raises(ApplicationError):
        customer_get(actor=business.cashier_b, pk=customer.pk)
    assert customer_get(actor=business.cashier_a, pk=customer.pk) == customer


def test_custom_fields_validate_store_and_never_lose_values(business: Business) -> None:
    weight = custom_field_create(
        actor=business.owner, key="berat_badan", label="Berat badan (kg)", field_type="decimal"
    )
    custom_field_create(
        actor=business.owner, key="kulit", label="Jenis kulit", field_type="choice", choices=["Normal", "Kering"]
    )
    with pytest.raises(ApplicationError) as error:
        _customer(business, custom={"berat_badan": "berat"})
    assert "custom.berat_badan" in error.value.extra
    with pytest.raises(ApplicationError) as error:
        _customer(business, custom={"kulit": "Berminyak"})
    assert "custom.kulit" in error.value.extra
    customer = _customer(business, custom={"berat_badan": "61,5", "kulit": "kering"})
    assert customer.custom == {"berat_badan": "61.5", "kulit": "Kering"}
    # Removing a choice in use is refused; archiving keeps values.
    definition = CustomFieldDefinition.objects.get(key="kulit")
    with pytest.raises(ApplicationError):
        custom_field_update(actor=business.owner, definition=definition, choices=["Normal"])
    custom_field_archive(actor=business.owner, definition=weight)
    customer_update(actor=business.owner, customer=customer, version=1, custom={"kulit": "Normal"})
    customer.refresh_from_db()
    assert customer.custom == {"berat_badan": "61.5", "kulit": "Normal"}
    # Deleting asks for the number of values that go.
    with pytest.raises(ApplicationError):
        custom_field_delete(actor=business.owner, definition=weight, confirm_value_count=0)
    assert custom_field_delete(actor=business.owner, definition=weight, confirm_value_count=1) == 1
    customer.refresh_from_db()
    assert customer.custom == {"kulit": "Normal"}


def test_required_custom_field(business: Business) -> None:
    custom_field_create(actor=business.owner, key="tinggi", label="Tinggi (cm)", field_type="integer", required=True)
    with pytest.raises(ApplicationError) as error:
        _customer(business)
    assert "custom.tinggi" in error.value.extra


def test_only_owner_defines_fields(business: Business) -> None:
    with pytest.raises(PermissionDeniedError):
        custom_field_create(actor=business.manager, key="x", label="X", field_type="text")


def test_consent_is_append_only_and_latest_wins(business: Business) -> None:
    from setia.customers.selectors import consent_status

    customer = _customer(business)
    consent_record(
        actor=business.owner,
        customer=customer,
        channel="whatsapp",
        purpose="marketing",
        granted=True,
        source="staff",
        notice_version="2026-01",
    )
    consent_record(
        actor=business.owner,
        customer=customer,
        channel="whatsapp",
        purpose="marketing",
        granted=False,
        source="staff",
        notice_version="2026-01",
    )
    status = consent_status(customer)
    assert status[("whatsapp", "marketing")].granted is False  # type: ignore[union-attr]
    assert status[("email", "marketing")] is None
    assert customer.consents.count() == 2


PAGES = [
    ("/customers/", [302, 200, 200, 200, 200]),
    ("/customers/new/", [302, 200, 200, 200, 200]),
    ("/customers/{a}/", [302, 404, 200, 200, 200]),
    ("/customers/{a}/edit/", [302, 404, 200, 200, 200]),
    ("/customers/{b}/", [302, 200, 404, 404, 200]),
    ("/customers/fields/", [302, 403, 403, 403, 200]),
    ("/customers/fields/new/", [302, 403, 403, 403, 200]),
    ("/customers/regions/regency/?address_province=31", [302, 200, 200, 200, 200]),
]
API = [
    ("/api/v1/customers", [401, 200, 200, 200, 200]),
    ("/api/v1/customers/{a}", [401, 404, 200, 200, 200]),
    ("/api/v1/customers/{b}", [401, 200, 404, 404, 200]),
    ("/api/v1/customers/fields", [401, 200, 200, 200, 200]),
    ("/api/v1/customers/lookup?phone=0812-3456-7890", [401, 200, 200, 200, 200]),
    ("/api/v1/customers/{a}/consent", [401, 404, 200, 200, 200]),
]


@pytest.fixture
def two_customers(business: Business) -> dict[str, int]:
    a = _customer(business, name="Ayu A")
    b = _customer(business, name="Bela B", phone="0813-5555-6666", home_branch=business.branch_b)
    return {"a": a.pk, "b": b.pk}


@pytest.mark.parametrize(("path", "statuses"), PAGES, ids=[p for p, _ in PAGES])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_customer_pages_per_persona(
    business: Business, two_customers: dict[str, int], path: str, statuses: list[int], persona_index: int
) -> None:
    response = client_for(persona_user(business, PERSONAS[persona_index])).get(path.format(**two_customers))
    assert response.status_code == statuses[persona_index]


@pytest.mark.parametrize(("path", "statuses"), API, ids=[p for p, _ in API])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_customer_api_per_persona(
    business: Business, two_customers: dict[str, int], path: str, statuses: list[int], persona_index: int
) -> None:
    user = persona_user(business, PERSONAS[persona_index])
    headers = {"Authorization": f"Bearer {api_key_create(actor=user, name='t')[1]}"} if user else {}
    response = Client().get(path.format(**two_customers), headers=headers)
    assert response.status_code == statuses[persona_index]


def test_lookup_hides_other_branches_and_finds_any_format(business: Business, two_customers: dict[str, int]) -> None:
    _record, key = api_key_create(actor=business.cashier_b, name="pbx")
    body = (
        Client()
        .get("/api/v1/customers/lookup?phone=62812 3456 7890", headers={"Authorization": f"Bearer {key}"})
        .json()
    )
    assert body == {"phone": "+6281234567890", "match": "none", "customers": []}
    _record, key = api_key_create(actor=business.cashier_a, name="pbx")
    body = (
        Client().get("/api/v1/customers/lookup?phone=812-3456-7890", headers={"Authorization": f"Bearer {key}"}).json()
    )
    assert body["match"] == "one" and body["customers"][0]["name"] == "Ayu A"


def test_api_create_and_patch_with_version(business: Business) -> None:
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    headers = {"Authorization": f"Bearer {key}"}
    client = Client()
    created = client.post(
        "/api/v1/customers",
        {"name": "Rina", "phones": [{"number": "0857-1234-5678"}], "custom": {}},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["phones"] == [{"number": "+6285712345678", "label": "mobile"}]
    assert body["home_branch_id"] == business.branch_a.pk
    patched = client.patch(
        f"/api/v1/customers/{body['id']}",
        {"version": 1, "occupation": "Perawat"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200 and patched.json()["occupation"] == "Perawat"
    stale = client.patch(
        f"/api/v1/customers/{body['id']}",
        {"version": 1, "occupation": "Bidan"},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 400 and "version" in stale.json()["extra"]
    bad = client.post(
        "/api/v1/customers",
        {"name": "X", "phones": [{"number": "12"}]},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 400 and "phones.0" in bad.json()["extra"]


def test_api_phones_as_numbers_alone_and_what_is_refused(business: Business) -> None:
    """`"phones": ["0812…"]` is a list of mobiles; a phone that is neither text nor an object, or
    an object with a misspelt key, is refused naming it (was "number: this field is required")."""
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    client.cookies["django_language"] = "en"
    created = client.post(
        "/api/v1/customers", {"name": "Rina", "phones": ["0812-7777-1234"]}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["phones"] == [{"number": "+6281277771234", "label": "mobile"}]
    for phones, field, message in (
        ([5], "phones[1]", "Enter an object."),
        ([{"number": "0812-7777-5678", "lable": "work"}], "phones[1].lable", "Unknown field"),
    ):
        refused = client.post("/api/v1/customers", {"name": "Rina", "phones": phones}, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["extra"][field][0].startswith(message)
    assert Customer.objects.filter(name="Rina").count() == 1


def test_column_choice_and_saved_views(business: Business) -> None:
    from setia.customers.models import SavedView

    _customer(business, name="Ayu", tags=["VIP"])
    client = client_for(business.cashier_a)
    html = client.get("/customers/?col=tags&col=email").content.decode()
    assert "VIP" in html and "siti@example.com" in html
    response = client.post("/customers/views/", {"name": "VIP saya", "query": "tag=1&col=tags&after=abc"})
    view = SavedView.objects.get(owner=business.cashier_a)
    assert view.query == "tag=1&col=tags" and response["Location"] == "/customers/?tag=1&col=tags"
    assert "VIP saya" in client.get("/customers/").content.decode()
    assert client_for(business.cashier_b).post(f"/customers/views/{view.pk}/delete/").status_code == 404
    assert client.post(f"/customers/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()
    assert client.post("/customers/views/", {"name": " ", "query": ""}).status_code == 302  # refused, message shown
    assert not SavedView.objects.exists()


def test_company_of_another_branch_cannot_be_linked(business: Business) -> None:
    other = customer_create(actor=business.owner, name="PT Lain", kind="company", home_branch=business.branch_b)
    _record, key = api_key_create(actor=business.cashier_a, name="pos")
    response = Client().post(
        "/api/v1/customers",
        {"name": "Rina", "company_id": other.pk},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400 and "company_id" in response.json()["extra"]
    assert not Customer.objects.filter(name="Rina").exists()
    form_html = client_for(business.cashier_a).get("/customers/new/").content.decode()
    assert "PT Lain" not in form_html
