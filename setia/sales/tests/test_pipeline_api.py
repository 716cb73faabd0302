"""The pipeline API: /api/v1/opportunities (list, get, create, move, win, lose, reopen),
/api/v1/pipelines and /api/v1/lost-reasons, over personas."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from setia.accounts.models import User
from setia.accounts.services import api_key_create
from setia.conftest import Business, make_user
from setia.sales.models import LostReason, Opportunity, Pipeline, Stage, StageChange
from setia.sales.services import pipeline as service


@pytest.fixture
def sales_a(business: Business) -> User:
    return make_user("sales_a", "sales", business.branch_a)


@pytest.fixture
def sales_b(business: Business) -> User:
    return make_user("sales_b", "sales", business.branch_b)


@pytest.fixture
def stages(db: None) -> list[Stage]:
    return list(service.default_pipeline().stages.order_by("position"))


class Api:
    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _record, key = api_key_create(actor=user, name="test")
            self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", headers=self.headers)


def test_create_get_move_win_reopen_lose(business: Business, shop: dict, sales_a: User, stages: list[Stage]) -> None:
    api = Api(sales_a)
    response = api.post(
        "/opportunities",
        {
            "customer_id": shop["customer"].pk,
            "title": "Seragam",
            "expected_close": "2030-05-01",
            "lines": [
                {"product_id": shop["creambath"].pk, "quantity": 2},
                {"description": "Ongkir", "unit_price": 9000},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stage_id"], body["probability"], body["value"], body["weighted_value"]) == (
        stages[0].pk,
        10,
        309_000,
        30_900,
    )
    assert (body["owner_id"], body["branch_id"], body["expected_close"]) == (
        sales_a.pk,
        business.branch_a.pk,
        "2030-05-01",
    )
    assert [line["total"] for line in body["lines"]] == [300_000, 9_000]
    pk = body["id"]
    assert api.get(f"/opportunities/{pk}").json()["title"] == "Seragam"
    moved = api.post(f"/opportunities/{pk}/move", {"stage_id": stages[3].pk}).json()
    assert (moved["stage_id"], moved["probability"], moved["version"]) == (stages[3].pk, 75, 2)
    won = api.post(f"/opportunities/{pk}/win", {"create_order": True}).json()
    assert won["status"] == "won" and won["order_id"] is not None and won["closed_at"] is not None
    reopened = api.post(f"/opportunities/{pk}/reopen").json()
    assert (reopened["status"], reopened["probability"], reopened["closed_at"]) == ("open", 75, None)
    reason = LostReason.objects.create(name="Harga")
    lost = api.post(f"/opportunities/{pk}/lose", {"reason_id": reason.pk, "note": "Mahal"}).json()
    assert (lost["status"], lost["lost_reason_id"], lost["close_note"]) == ("lost", reason.pk, "Mahal")
    assert StageChange.objects.filter(opportunity_id=pk).count() == 5


def test_refusals_name_the_field(business: Business, shop: dict, sales_a: User, stages: list[Stage]) -> None:
    api = Api(sales_a)
    response = api.post("/opportunities", {"customer_id": shop["customer"].pk, "title": ""})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["title"]
    response = api.post("/opportunities", {"customer_id": 999_999, "title": "x"})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["customer_id"]
    response = api.post("/opportunities", {"customer_id": shop["customer"].pk, "title": "x", "stage_id": 999_999})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["stage_id"]
    response = api.post(
        "/opportunities", {"customer_id": shop["customer"].pk, "title": "x", "lines": [{"quantity": 1}]}
    )
    assert response.status_code == 400 and list(response.json()["extra"]) == ["lines[1].unit_price"]
    assert not Opportunity.objects.exists()
    opportunity = service.opportunity_create(actor=sales_a, customer=shop["customer"], title="x")
    response = api.post(f"/opportunities/{opportunity.pk}/lose", {"reason_id": 999_999})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["reason"]
    response = api.post(f"/opportunities/{opportunity.pk}/move", {"stage_id": "x"})
    assert response.status_code == 400 and list(response.json()["extra"]) == ["stage_id"]
    opportunity.refresh_from_db()
    assert opportunity.status == "open" and opportunity.version == 1


def test_list_filters_and_pages(business: Business, shop: dict, sales_a: User, stages: list[Stage]) -> None:
    for number in range(3):
        service.opportunity_create(
            actor=sales_a, customer=shop["customer"], title=f"Deal {number}", stage=stages[number % 2]
        )
    api = Api(sales_a)
    everything = api.get("/opportunities").json()
    assert [item["title"] for item in everything["items"]] == ["Deal 2", "Deal 1", "Deal 0"]
    assert everything["next_cursor"] is None
    second_stage = api.get(f"/opportunities?stage_id={stages[1].pk}").json()
    assert [item["title"] for item in second_stage["items"]] == ["Deal 1"]
    assert api.get("/opportunities?status=won").json()["items"] == []


def test_pipelines_and_lost_reasons(business: Business, sales_a: User, stages: list[Stage]) -> None:
    LostReason.objects.create(name="Harga", position=1)
    LostReason.objects.create(name="Waktu", position=0)
    LostReason.objects.create(name="Lama", active=False)
    Stage.objects.filter(pk=stages[3].pk).update(active=False)
    api = Api(sales_a)
    pipelines = api.get("/pipelines").json()
    assert [(p["name"], [s["name"] for s in p["stages"]]) for p in pipelines] == [
        ("Sales", ["Qualification", "Needs analysis", "Proposal"])
    ]
    assert [r["name"] for r in api.get("/lost-reasons").json()] == ["Waktu", "Harga"]


def test_pipelines_on_a_business_without_one_are_an_empty_list(business: Business, sales_a: User) -> None:
    """A GET writes nothing: no pipeline is made behind the reader's back."""
    api = Api(sales_a)
    assert api.get("/pipelines").json() == []
    assert not Pipeline.objects.exists() and not Stage.objects.exists()


@pytest.mark.parametrize(
    ("persona", "read", "record", "write"),
    [
        ("anonymous", 401, 401, 401),
        ("cashier", 403, 403, 403),
        ("analyst", 200, 200, 403),
        ("other_branch_sales", 200, 404, 404),
        ("same_branch_sales", 200, 200, 200),
        ("manager", 200, 200, 200),
        ("owner", 200, 200, 200),
    ],
)
def test_endpoints_by_persona(
    business: Business,
    shop: dict,
    sales_a: User,
    sales_b: User,
    stages: list[Stage],
    persona: str,
    read: int,
    record: int,
    write: int,
) -> None:
    user = {
        "anonymous": None,
        "cashier": business.cashier_a,
        "analyst": business.analyst,
        "other_branch_sales": sales_b,
        "same_branch_sales": sales_a,
        "manager": business.manager,
        "owner": business.owner,
    }[persona]
    opportunity = service.opportunity_create(
        actor=sales_a, customer=shop["customer"], title="Rahasia cabang A", expected_close=dt.date(2030, 1, 1)
    )
    reason = LostReason.objects.create(name="Harga")
    api = Api(user)
    listing = api.get("/opportunities")
    assert listing.status_code == read
    if persona == "other_branch_sales":
        assert listing.json()["items"] == []
    assert api.get("/pipelines").status_code == read
    assert api.get(f"/opportunities/{opportunity.pk}").status_code == record
    created = api.post("/opportunities", {"customer_id": shop["customer"].pk, "title": "Baru"})
    assert created.status_code == (201 if write == 200 else 400 if write == 404 else write)
    moved = api.post(f"/opportunities/{opportunity.pk}/move", {"stage_id": stages[1].pk})
    assert moved.status_code == write
    lost = api.post(f"/opportunities/{opportunity.pk}/lose", {"reason_id": reason.pk})
    assert lost.status_code == write
    opportunity.refresh_from_db()
    assert (opportunity.stage_id, opportunity.status) == (
        (stages[1].pk, "lost") if write == 200 else (stages[0].pk, "open")
    )
    assert Opportunity.objects.count() == (2 if write == 200 else 1)
