"""Pipeline pages: the board and its totals, the move endpoint, list, detail, forms, the
configuration pages, the customer's 360° page, and who may open each."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from setia.accounts.models import User
from setia.conftest import Business, make_user
from setia.conftest import client_for as _client_for
from setia.core.models import AuditEvent
from setia.customers.merge import customers_merge
from setia.customers.models import Customer
from setia.sales.models import LostReason, Opportunity, Order, Pipeline, Stage, StageChange
from setia.sales.services import pipeline as service


def client_for(user: User | None, language: str = "en") -> Client:
    """A signed-in browser that chose a language (English unless told: the pages default to
    Indonesian). Rupiah is written `Rp 1.250.000` in Indonesian, `Rp 1,250,000` in English."""
    web = _client_for(user)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return web


@pytest.fixture
def sales_a(business: Business) -> User:
    return make_user("sales_a", "sales", business.branch_a, first_name="Budi")


@pytest.fixture
def sales_b(business: Business) -> User:
    return make_user("sales_b", "sales", business.branch_b, first_name="Dewi")


@pytest.fixture
def stages(db: None) -> list[Stage]:
    return list(service.default_pipeline().stages.order_by("position"))


@pytest.fixture
def deal(shop: dict, sales_a: User, stages: list[Stage]) -> Opportunity:
    return service.opportunity_create(
        actor=sales_a,
        customer=shop["customer"],
        title="Paket creambath karyawan",
        lines=[{"product_id": shop["creambath"].pk, "quantity": 4}],
        expected_close=dt.date(2030, 3, 31),
    )


def _persona(business: Business, name: str, sales_a: User, sales_b: User) -> User | None:
    return {
        "anonymous": None,
        "cashier": business.cashier_a,
        "analyst": business.analyst,
        "other_branch_sales": sales_b,
        "same_branch_sales": sales_a,
        "manager": business.manager,
        "owner": business.owner,
    }[name]


# Expected status per persona: (read pages, a record of branch A, write pages, configuration).
PAGE_ACCESS = {
    "anonymous": (302, 302, 302, 302),
    "cashier": (403, 403, 403, 403),
    "analyst": (200, 200, 403, 403),
    "other_branch_sales": (200, 404, 404, 403),
    "same_branch_sales": (200, 200, 200, 403),
    "manager": (200, 200, 200, 200),
    "owner": (200, 200, 200, 200),
}


@pytest.mark.parametrize("persona", list(PAGE_ACCESS))
def test_pages_by_persona(
    business: Business, shop: dict, sales_a: User, sales_b: User, deal: Opportunity, persona: str
) -> None:
    user = _persona(business, persona, sales_a, sales_b)
    web = client_for(user)
    read, record, write, configure = PAGE_ACCESS[persona]
    stage = deal.stage
    checks = [
        (reverse("sales:pipeline_board"), read),
        (reverse("sales:pipeline_column", args=[stage.pk]), read),
        (reverse("sales:opportunity_list"), read),
        (reverse("sales:opportunity_detail", args=[deal.pk]), record),
        (reverse("sales:opportunity_edit", args=[deal.pk]), write),
        (reverse("sales:opportunity_new") + f"?customer={shop['customer'].pk}", write if write != 404 else 404),
        (reverse("sales:pipeline_settings"), configure),
    ]
    for url, expected in checks:
        response = web.get(url)
        assert response.status_code == expected, (url, response.status_code)
        if expected == 302:
            assert "/accounts/login" in response["Location"]
    if persona == "other_branch_sales":
        board = web.get(reverse("sales:pipeline_board")).content.decode()
        assert deal.title not in board
        assert deal.title not in web.get(reverse("sales:opportunity_list")).content.decode()


@pytest.mark.parametrize("persona", list(PAGE_ACCESS))
def test_post_endpoints_by_persona(
    business: Business, shop: dict, sales_a: User, sales_b: User, deal: Opportunity, stages: list[Stage], persona: str
) -> None:
    user = _persona(business, persona, sales_a, sales_b)
    web = client_for(user)
    _read, _record, write, configure = PAGE_ACCESS[persona]
    reason = LostReason.objects.create(name="Harga")
    response = web.post(reverse("sales:opportunity_move", args=[deal.pk]), {"stage": stages[1].pk})
    assert response.status_code == (302 if write in (200, 302) else write)
    deal.refresh_from_db()
    assert deal.stage == (stages[1] if write == 200 else stages[0])
    response = web.post(reverse("sales:opportunity_lose", args=[deal.pk]), {"reason": reason.pk})
    assert response.status_code == (302 if write in (200, 302) else write)
    deal.refresh_from_db()
    assert deal.status == ("lost" if write == 200 else "open")
    response = web.post(reverse("sales:lost_reason_create"), {"new-reason-name": "Waktu", "new-reason-position": 1})
    assert response.status_code == (302 if configure in (200, 302) else configure)
    assert LostReason.objects.filter(name="Waktu").exists() == (configure == 200)
    response = web.post(reverse("sales:stage_delete", args=[stages[3].pk]))
    assert response.status_code == (302 if configure in (200, 302) else configure)
    assert Stage.objects.filter(pk=stages[3].pk).exists() == (configure != 200)


def test_board_shows_columns_with_exact_totals(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    customer = shop["customer"]
    make = service.opportunity_create
    make(actor=sales_a, customer=customer, title="A", value=1_000_000)  # 10%: weighted 100.000
    make(actor=sales_a, customer=customer, title="B", value=333_333)  # 10%: 33.333 (rounded down)
    make(actor=sales_a, customer=customer, title="C", stage=stages[2], value=2_500_000)  # 50%: 1.250.000
    won = make(actor=sales_a, customer=customer, title="Closed", stage=stages[2], value=9_000_000)
    service.opportunity_win(actor=sales_a, opportunity=won)
    other = Pipeline.objects.create(name="Projects")
    make(
        actor=sales_a,
        customer=customer,
        title="Elsewhere",
        stage=Stage.objects.create(pipeline=other, name="Tender"),
        value=7_000_000,
    )
    response = client_for(sales_a, "id").get(reverse("sales:pipeline_board"))
    html = response.content.decode()
    columns = re.findall(r'data-testid="stage-column" data-stage-id="(\d+)"', html)
    assert columns == [str(stage.pk) for stage in stages]
    totals = re.findall(
        r'data-total="count">(\d+)</span> · <span data-total="total">([^<]+)</span><br>'
        r'[^<]*<span data-total="weighted">([^<]+)</span>',
        html,
    )
    assert totals == [
        ("2", "Rp 1.333.333", "Rp 133.333"),
        ("0", "Rp 0", "Rp 0"),
        ("1", "Rp 2.500.000", "Rp 1.250.000"),
        ("0", "Rp 0", "Rp 0"),
    ]
    assert 'data-board="total">Rp 3.833.333<' in html
    assert 'data-board="weighted">Rp 1.383.333<' in html
    assert html.count('data-testid="opportunity-card"') == 3
    assert "Closed" not in html and "Elsewhere" not in html


def test_board_filters_by_owner_and_highlights_overdue(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    colleague = make_user("sales_a2", "sales", business.branch_a)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    service.opportunity_create(
        actor=sales_a, customer=shop["customer"], title="Mine", value=100, expected_close=yesterday
    )
    service.opportunity_create(actor=colleague, customer=shop["customer"], title="Theirs", value=200)
    web = client_for(sales_a)
    html = web.get(reverse("sales:pipeline_board") + f"?owner={sales_a.pk}").content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert 'data-board="count">1<' in html
    assert 'class="pipeline-card card mb-2 overdue"' in html


def test_board_shows_the_first_cards_per_column_and_counts_all(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    from setia.sales.selectors import pipeline as selectors

    for number in range(selectors.CARDS_PER_COLUMN + 5):
        service.opportunity_create(actor=sales_a, customer=shop["customer"], title=f"Deal {number}", value=10)
    web = client_for(sales_a)
    html = web.get(reverse("sales:pipeline_board")).content.decode()
    assert html.count('data-testid="opportunity-card"') == selectors.CARDS_PER_COLUMN
    assert f'data-total="count">{selectors.CARDS_PER_COLUMN + 5}<' in html
    assert 'data-testid="show-more"' in html
    last = Opportunity.objects.order_by("position", "id")[selectors.CARDS_PER_COLUMN - 1]
    more = web.get(reverse("sales:pipeline_column", args=[stages[0].pk]) + f"?after={last.pk}").content.decode()
    assert more.count('data-testid="opportunity-card"') == 5
    assert 'data-testid="show-more"' not in more


def test_board_query_count_does_not_grow_with_cards(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    web = client_for(sales_a)
    service.opportunity_create(actor=sales_a, customer=shop["customer"], title="One", value=10)
    with CaptureQueriesContext(connection) as few:
        assert web.get(reverse("sales:pipeline_board")).status_code == 200
    for number in range(30):
        owner = make_user(f"s{number}", "sales", business.branch_a)
        customer = Customer.objects.create(name=f"C{number}", search_name=f"c{number}", home_branch=business.branch_a)
        service.opportunity_create(
            actor=owner, customer=customer, title=f"Deal {number}", value=10, stage=stages[number % 4]
        )
    with CaptureQueriesContext(connection) as many:
        assert web.get(reverse("sales:pipeline_board")).status_code == 200
    assert 0 < len(many) == len(few)


def test_move_endpoint_answers_with_new_totals(
    business: Business, shop: dict, sales_a: User, stages: list[Stage], deal: Opportunity
) -> None:
    response = client_for(sales_a, "id").post(
        reverse("sales:opportunity_move", args=[deal.pk]),
        {"stage": stages[2].pk, "position": "0", "owner": "", "branch": ""},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["stage"], body["version"], body["probability"]) == (deal.pk, stages[2].pk, 2, 50)
    assert body["columns"][str(stages[0].pk)]["count"] == 0
    assert body["columns"][str(stages[2].pk)] == {
        "count": 1,
        "total": 600_000,
        "weighted": 300_000,
        "total_display": "Rp 600.000",
        "weighted_display": "Rp 300.000",
    }
    assert body["board"]["weighted"] == 300_000
    assert StageChange.objects.filter(opportunity=deal).count() == 2


def test_move_endpoint_refusal_is_json_with_the_reason(
    business: Business, shop: dict, sales_a: User, stages: list[Stage], deal: Opportunity
) -> None:
    other = Stage.objects.create(pipeline=Pipeline.objects.create(name="Projects"), name="Tender")
    web = client_for(sales_a)
    response = web.post(
        reverse("sales:opportunity_move", args=[deal.pk]), {"stage": other.pk}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"stage": ["This stage belongs to another pipeline."]}
    response = web.post(reverse("sales:opportunity_move", args=[deal.pk]), {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and list(response.json()["extra"]) == ["stage"]
    deal.refresh_from_db()
    assert deal.stage == stages[0] and deal.version == 1


def test_move_endpoint_of_another_branch_is_404_json(
    business: Business, shop: dict, sales_b: User, stages: list[Stage], deal: Opportunity
) -> None:
    response = client_for(sales_b).post(
        reverse("sales:opportunity_move", args=[deal.pk]), {"stage": stages[1].pk}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.stage == stages[0]


def test_detail_shows_lines_history_and_move_select(
    business: Business, shop: dict, sales_a: User, stages: list[Stage], deal: Opportunity
) -> None:
    StageChange.objects.filter(opportunity=deal).update(changed_at=timezone.now() - dt.timedelta(days=3, hours=2))
    Opportunity.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=3, hours=2))
    web = client_for(sales_a)
    web.post(reverse("sales:opportunity_move", args=[deal.pk]), {"stage": stages[1].pk})
    html = web.get(reverse("sales:opportunity_detail", args=[deal.pk])).content.decode()
    assert "Paket creambath karyawan" in html
    assert "Rp 600,000" in html and "Creambath" in html
    assert html.count('data-testid="history-row"') == 2
    assert "Qualification → Needs analysis" in html
    assert "3 days 2 hours" in html
    assert 'name="stage"' in html and 'data-testid="move-form"' in html


def test_win_lose_reopen_from_the_page(
    business: Business, shop: dict, sales_a: User, stages: list[Stage], deal: Opportunity
) -> None:
    web = client_for(sales_a)
    response = web.post(reverse("sales:opportunity_win", args=[deal.pk]), {"create_order": "on", "note": "Deal"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "won" and deal.order is not None and deal.order.status == "placed"
    assert deal.order.total == 600_000
    web.post(reverse("sales:opportunity_reopen", args=[deal.pk]))
    deal.refresh_from_db()
    assert deal.status == "open" and deal.closed_at is None
    response = web.post(reverse("sales:opportunity_lose", args=[deal.pk]), {"reason": ""})
    deal.refresh_from_db()
    assert deal.status == "open"
    reason = LostReason.objects.create(name="Budget")
    web.post(reverse("sales:opportunity_lose", args=[deal.pk]), {"reason": reason.pk, "note": "Next year"})
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason, deal.close_note) == ("lost", reason, "Next year")
    assert Order.objects.count() == 1


def test_create_form_with_lines_and_errors(business: Business, shop: dict, sales_a: User, stages: list[Stage]) -> None:
    web = client_for(sales_a)
    url = reverse("sales:opportunity_new")
    assert "customer-search" in web.get(url).content.decode()
    data = {
        "customer": shop["customer"].pk,
        "title": "Grosir sampo",
        "stage": stages[1].pk,
        "value": "0",
        "line_product": [str(shop["shampoo"].pk), ""],
        "line_description": ["", "Ongkir"],
        "line_quantity": ["10", "1"],
        "line_price": ["", "50.000"],
    }
    bad = web.post(url, {**data, "line_quantity": ["0", "1"]})
    assert bad.status_code == 200
    assert "Product 1: the quantity must be a whole number from 1." in bad.content.decode()
    assert not Opportunity.objects.exists()
    response = web.post(url, data)
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sales:opportunity_detail", args=[opportunity.pk]
    )
    assert (opportunity.value, opportunity.stage, opportunity.probability) == (10 * 45_500 + 50_000, stages[1], 25)
    missing = web.post(url, {**data, "title": ""})
    assert missing.status_code == 200 and 'data-field-error="title"' in missing.content.decode()


def test_edit_form_changes_details_and_lines(
    business: Business, shop: dict, sales_a: User, stages: list[Stage], deal: Opportunity
) -> None:
    web = client_for(sales_a)
    url = reverse("sales:opportunity_edit", args=[deal.pk])
    assert "Paket creambath karyawan" in web.get(url).content.decode()
    response = web.post(
        url,
        {
            "title": "Paket creambath 10 orang",
            "value": "0",
            "owner": str(sales_a.pk),
            "branch": str(business.branch_a.pk),
            "expected_close": "2030-04-30",
            "line_product": [str(shop["creambath"].pk)],
            "line_description": [""],
            "line_quantity": ["10"],
            "line_price": ["140000"],
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.value, deal.expected_close, deal.version) == (
        "Paket creambath 10 orang",
        1_400_000,
        dt.date(2030, 4, 30),
        2,
    )
    assert deal.stage == stages[0]


def test_list_filters(business: Business, shop: dict, sales_a: User, stages: list[Stage]) -> None:
    service.opportunity_create(
        actor=sales_a, customer=shop["customer"], title="Early", expected_close=dt.date(2030, 1, 10)
    )
    service.opportunity_create(
        actor=sales_a, customer=shop["customer"], title="Late", stage=stages[2], expected_close=dt.date(2030, 6, 1)
    )
    web = client_for(sales_a)
    url = reverse("sales:opportunity_list")

    def titles(query: str) -> list[str]:
        html = web.get(url + query).content.decode()
        return re.findall(r'<td><a href="/opportunities/\d+/">([^<]+)</a></td>', html)

    assert titles("") == ["Late", "Early"]
    assert titles(f"?stage={stages[2].pk}") == ["Late"]
    assert titles("?close_to=2030-02-01") == ["Early"]
    assert titles("?close_from=2030-02-01") == ["Late"]
    assert titles("?q=earl") == ["Early"]
    assert titles("?q=siti") == ["Late", "Early"]
    assert titles("?status=won") == []


def test_settings_pages_create_archive_and_refuse_delete(
    business: Business, shop: dict, stages: list[Stage], deal: Opportunity
) -> None:
    web = client_for(business.manager)
    pipeline = stages[0].pipeline
    web.post(reverse("sales:stage_create", args=[pipeline.pk]), {"name": "Contract", "probability": "90"})
    contract = Stage.objects.get(name="Contract")
    assert (contract.probability, contract.position) == (90, 4)
    response = web.post(reverse("sales:stage_delete", args=[stages[0].pk]), follow=True)
    assert Stage.objects.filter(pk=stages[0].pk).exists()
    assert "archive it instead" in response.content.decode()
    response = web.post(
        reverse("sales:stage_update", args=[pipeline.pk, stages[0].pk]),
        {"name": "Qualification", "probability": "10", "position": "0"},
        follow=True,
    )
    stages[0].refresh_from_db()
    assert stages[0].active is True  # open opportunities are in it
    web.post(reverse("sales:stage_shift", args=[contract.pk, "up"]))
    assert list(pipeline.stages.order_by("position").values_list("name", flat=True)) == [
        "Qualification",
        "Needs analysis",
        "Proposal",
        "Contract",
        "Negotiation",
    ]
    web.post(reverse("sales:stage_delete", args=[contract.pk]))
    assert not Stage.objects.filter(pk=contract.pk).exists()
    web.post(reverse("sales:pipeline_create"), {"new-pipeline-name": "Projects", "new-pipeline-position": "1"})
    assert Pipeline.objects.filter(name="Projects", active=False).exists()  # unticked box = inactive
    html = web.get(reverse("sales:pipeline_settings")).content.decode()
    assert "Projects" in html and 'data-testid="stage-row"' in html


def test_customer_page_shows_open_opportunities_and_timeline(
    business: Business, shop: dict, sales_a: User, stages: list[Stage], deal: Opportunity
) -> None:
    lost = service.opportunity_create(actor=sales_a, customer=shop["customer"], title="Sampo grosir")
    service.opportunity_lose(actor=sales_a, opportunity=lost, reason=LostReason.objects.create(name="Harga"))
    html = client_for(sales_a).get(reverse("customers:detail", args=[shop["customer"].pk])).content.decode()
    panel = html[html.index('data-testid="customer-opportunities"') :]
    assert "Paket creambath karyawan" in panel[:2000]
    assert "Sampo grosir" not in panel[: panel.index("</ul>")]
    from setia.customers.timeline import timeline_for

    titles = [entry.title for entry in timeline_for(shop["customer"]) if entry.kind == "opportunity"]
    assert titles == [
        "Opportunity lost: Sampo grosir",
        "Opportunity opened: Sampo grosir",
        "Opportunity opened: Paket creambath karyawan",
    ]


def test_merge_moves_opportunities(business: Business, shop: dict, sales_a: User, deal: Opportunity) -> None:
    duplicate = Customer.objects.create(name="Siti R.", search_name="siti r.", home_branch=business.branch_a)
    moved = service.opportunity_create(actor=sales_a, customer=duplicate, title="From the duplicate")
    customers_merge(actor=business.owner, survivor=shop["customer"], merged=duplicate)
    moved.refresh_from_db()
    assert moved.customer == shop["customer"]


# --- A business without a pipeline yet ---------------------------------------------------------


def _row_counts() -> dict[str, int]:
    """Rows in every table the project's models have."""
    from django.apps import apps

    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_reading_pages_on_an_empty_database_creates_no_rows(business: Business, shop: dict, sales_a: User) -> None:
    """The board, the new-opportunity form and the settings page are GETs: on a business without a
    pipeline they explain what to do and write nothing (no default pipeline behind the reader's back)."""
    owner, sales = client_for(business.owner), client_for(sales_a)
    # The business's settings row is made on the first read of any page, by design (accounts).
    sales.get(reverse("sales:opportunity_list"))
    before = _row_counts()
    assert before["sales.Pipeline"] == 0 and before["sales.Stage"] == 0

    board = owner.get(reverse("sales:pipeline_board"))
    assert board.status_code == 200
    page = board.content.decode()
    assert 'data-testid="no-pipeline"' in page and 'data-testid="pipeline-setup"' in page
    assert f'action="{reverse("sales:pipeline_setup")}"' in page and 'method="post"' in page
    reader = sales.get(reverse("sales:pipeline_board")).content.decode()
    assert 'data-testid="no-pipeline"' in reader and 'data-testid="pipeline-setup"' not in reader
    assert "Ask the owner or a manager to set it up." in reader
    new = sales.get(reverse("sales:opportunity_new") + f"?customer={shop['customer'].pk}")
    assert new.status_code == 302 and new["Location"] == reverse("sales:pipeline_board")
    settings_page = owner.get(reverse("sales:pipeline_settings"))
    assert settings_page.status_code == 200 and 'data-testid="pipeline-setup"' in settings_page.content.decode()
    assert owner.get(reverse("sales:opportunity_list")).status_code == 200

    assert _row_counts() == before


def test_setting_up_the_pipeline_from_the_empty_board(business: Business, sales_a: User) -> None:
    """The button is a POST for those who configure the pipeline: "Sales" and its four stages,
    named in their language, once; others are refused and nothing is written."""
    assert client_for(sales_a).post(reverse("sales:pipeline_setup")).status_code == 403
    assert not Pipeline.objects.exists()

    response = client_for(business.owner, "id").post(reverse("sales:pipeline_setup"))
    assert response.status_code == 302 and response["Location"] == reverse("sales:pipeline_board")
    pipeline = Pipeline.objects.get()
    assert pipeline.name == "Penjualan" and pipeline.active
    assert list(pipeline.stages.order_by("position").values_list("probability", flat=True)) == [10, 25, 50, 75]
    event = AuditEvent.objects.get(object_type="sales.pipeline", object_id=str(pipeline.pk))
    assert event.action == "create" and event.actor == business.owner

    # A second press (another tab, a double click) changes nothing.
    again = client_for(business.manager).post(reverse("sales:pipeline_setup"))
    assert again.status_code == 302 and Pipeline.objects.count() == 1 and Stage.objects.count() == 4
    board = client_for(business.owner).get(reverse("sales:pipeline_board")).content.decode()
    assert 'data-testid="no-pipeline"' not in board and board.count('data-testid="stage-column"') == 4


def test_an_opportunity_without_an_owner_shows_a_dash(business: Business, deal: Opportunity) -> None:
    """Its owner gone (a staff member deleted, or "Nobody" chosen): the list and the page still open."""
    Opportunity.objects.filter(pk=deal.pk).update(owner=None)
    web = client_for(business.owner)
    listed = web.get(reverse("sales:opportunity_list"))
    assert listed.status_code == 200 and "Paket creambath karyawan" in listed.content.decode()
    page = web.get(reverse("sales:opportunity_detail", args=[deal.pk]))
    assert page.status_code == 200
    assert re.search(r"Owner</dt><dd class=\"col-7\">—</dd>", page.content.decode())
