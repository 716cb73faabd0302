"""The leads API: authentication, personas, validation naming the field, and each endpoint."""

from typing import Any

import pytest
from django.test import Client

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business
from setia.customers.services import ContactPoints, PhoneIn, customer_create
from setia.sales.models import Lead, LeadAssignmentRule
from setia.sales.services import leads as services
from setia.sales.tests.test_leads import Team, make_team


@pytest.fixture
def team(business: Business) -> Team:
    return make_team(business)


class Api:
    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {api_key_create(actor=user, name='crm')[1]}"} if user else {}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, body: dict) -> Any:
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: dict) -> Any:
        return self.client.patch(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)


@pytest.fixture
def lead(business: Business, team: Team) -> Lead:
    return services.lead_create(actor=team.sales_a1, name="Sari Dewi", phone="0812-3456-7890")


@pytest.mark.parametrize(
    ("persona", "list_status", "get_status", "create_status"),
    [
        ("anonymous", 401, 401, 401),
        ("cashier", 403, 403, 403),
        ("other_branch_sales", 200, 404, 201),
        ("same_branch_sales", 200, 200, 201),
        ("manager", 200, 200, 201),
        ("owner", 200, 200, 201),
    ],
)
def test_leads_api_by_persona(
    business: Business, team: Team, lead: Lead, persona: str, list_status: int, get_status: int, create_status: int
) -> None:
    user = {
        "anonymous": None,
        "cashier": business.cashier_a,
        "other_branch_sales": team.sales_b,
        "same_branch_sales": team.sales_a2,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]
    api = Api(user)
    listed = api.get("/leads")
    assert listed.status_code == list_status
    if list_status == 200:
        ids = [item["id"] for item in listed.json()["items"]]
        assert ids == ([] if persona == "other_branch_sales" else [lead.pk])
    assert api.get(f"/leads/{lead.pk}").status_code == get_status
    assert api.patch(f"/leads/{lead.pk}", {"city": "Depok"}).status_code == get_status
    assert api.post(f"/leads/{lead.pk}/status", {"status": "contacted"}).status_code == get_status
    created = api.post("/leads", {"name": "Rina", "phone": "0813 1111 2222"})
    assert created.status_code == create_status
    if persona == "anonymous":
        assert created["WWW-Authenticate"] == "Bearer"
    lead.refresh_from_db()
    assert (lead.city, lead.status) == (("Depok", "contacted") if get_status == 200 else ("", "new"))


def test_create_assigns_by_the_rules_and_returns_the_lead(business: Business, team: Team) -> None:
    LeadAssignmentRule.objects.create(branch=business.branch_a, source=team.instagram)
    response = Api(business.owner).post(
        "/leads",
        {
            "name": "Rina",
            "phone": "62 813-1111-2222",
            "email": "Rina@Example.com",
            "source_id": team.instagram.pk,
            "estimated_value": 3_000_000,
            "next_follow_up": "2030-05-01",
            "consent_marketing": True,
        },
    )
    assert response.status_code == 201
    body = response.json()
    lead = Lead.objects.get()
    assert body["id"] == lead.pk
    assert {key: body[key] for key in ("phone", "email", "channel", "branch_id", "owner_id", "status")} == {
        "phone": "+6281311112222",
        "email": "rina@example.com",
        "channel": "api",
        "branch_id": business.branch_a.pk,
        "owner_id": team.sales_a1.pk,
        "status": "new",
    }
    assert (body["next_follow_up"], body["consent_marketing"], body["estimated_value"]) == (
        "2030-05-01",
        True,
        3_000_000,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "0812"}, "name"),  # missing: the schema refuses it
        ({"name": "Rina", "phone": "12"}, "phone"),
        ({"name": "Rina"}, "phone"),
        ({"name": "Rina", "phone": "081311112222", "email": "rina@"}, "email"),
        ({"name": "Rina", "phone": "081311112222", "source_id": 999}, "source_id"),
        ({"name": "Rina", "phone": "081311112222", "branch_id": 999}, "branch_id"),
        ({"name": "Rina", "phone": "081311112222", "owner_id": 999}, "owner_id"),
        ({"name": "Rina", "phone": "081311112222", "next_follow_up": "besok"}, "next_follow_up"),
        ({"name": "Rina", "phone": "081311112222", "estimated_value": -1}, "estimated_value"),
    ],
)
def test_bad_input_is_400_naming_the_field(business: Business, team: Team, body: dict, field: str) -> None:
    response = Api(team.sales_a1).post("/leads", body)
    assert response.status_code == 400, response.content
    assert list(response.json()["extra"]) == [field]
    assert Lead.objects.count() == 0


def test_an_owner_in_another_branch_is_refused_naming_owner_id(business: Business, team: Team, lead: Lead) -> None:
    api = Api(team.sales_a1)
    response = api.post("/leads", {"name": "Rina", "phone": "081311112222", "owner_id": team.sales_b.pk})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["owner_id"]
    response = api.post(f"/leads/{lead.pk}/assign", {"owner_id": team.sales_b.pk})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["owner_id"]
    response = api.post(f"/leads/{lead.pk}/assign", {"owner_id": team.sales_a2.pk})
    assert response.status_code == 200 and response.json()["owner_id"] == team.sales_a2.pk


def test_filters_update_status_and_conversion(business: Business, team: Team, lead: Lead) -> None:
    api = Api(team.sales_a1)
    other = services.lead_create(actor=team.sales_a1, name="Budi", email="budi@example.com", source=team.instagram)
    assert [item["id"] for item in api.get(f"/leads?source_id={team.instagram.pk}").json()["items"]] == [other.pk]
    assert [item["id"] for item in api.get("/leads?q=0812 3456 7890").json()["items"]] == [lead.pk]
    patched = api.patch(f"/leads/{lead.pk}", {"interest": "Creambath", "phone": "+62 812 9999 0000"})
    assert patched.status_code == 200
    assert (patched.json()["interest"], patched.json()["phone"]) == ("Creambath", "+6281299990000")
    refused = api.patch(f"/leads/{lead.pk}", {"name": None})
    assert refused.status_code == 400 and list(refused.json()["extra"]) == ["name"]
    refused = api.post(f"/leads/{lead.pk}/status", {"status": "unqualified"})
    assert refused.status_code == 400 and list(refused.json()["extra"]) == ["reason"]
    qualified = api.post(f"/leads/{lead.pk}/status", {"status": "qualified"}).json()
    assert qualified["status"] == "qualified" and qualified["qualified_at"] and qualified["contacted_at"]
    existing = customer_create(
        actor=business.owner,
        name="Sari Dewi",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("+6281299990000")]),
    )
    converted = api.post(f"/leads/{lead.pk}/convert", {"create_opportunity": True, "opportunity_value": 500_000})
    assert converted.status_code == 200
    body = converted.json()
    assert (body["customer_id"], body["lead"]["status"], body["lead"]["customer_id"]) == (
        existing.pk,
        "converted",
        existing.pk,
    )
    assert body["opportunity_id"] is not None
    again = api.post(f"/leads/{lead.pk}/convert", {})
    assert again.status_code == 400 and list(again.json()["extra"]) == ["status"]
