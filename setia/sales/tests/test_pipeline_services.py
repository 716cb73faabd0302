"""Pipeline services: creating, moving, winning, losing and reopening opportunities, and the
configuration of pipelines, stages and lost reasons."""

import datetime as dt

import pytest
from django.utils import timezone

from setia.accounts.models import User
from setia.conftest import Business, make_user
from setia.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from setia.core.models import AuditEvent
from setia.customers.models import Customer
from setia.sales.models import LostReason, Opportunity, Order, Pipeline, Stage, StageChange
from setia.sales.services import pipeline as service


@pytest.fixture
def sales_a(business: Business) -> User:
    return make_user("sales_a", "sales", business.branch_a, first_name="Budi")


@pytest.fixture
def sales_b(business: Business) -> User:
    return make_user("sales_b", "sales", business.branch_b, first_name="Dewi")


@pytest.fixture
def stages(db: None) -> list[Stage]:
    pipeline = service.default_pipeline()
    return list(pipeline.stages.order_by("position"))


def _open(actor: User, customer: Customer, **extra: object) -> Opportunity:
    return service.opportunity_create(actor=actor, customer=customer, title="Seragam 40 karyawan", **extra)  # type: ignore[arg-type]


def test_default_pipeline_is_created_once_with_four_stages(db: None) -> None:
    pipeline = service.default_pipeline()
    assert pipeline.name == "Sales"
    assert [(s.name, s.probability, s.position) for s in pipeline.stages.order_by("position")] == [
        ("Qualification", 10, 0),
        ("Needs analysis", 25, 1),
        ("Proposal", 50, 2),
        ("Negotiation", 75, 3),
    ]
    assert service.default_pipeline().pk == pipeline.pk
    assert Pipeline.objects.count() == 1 and Stage.objects.count() == 4


def test_default_pipeline_is_the_first_active_one(db: None) -> None:
    Pipeline.objects.create(name="Old", position=0, active=False)
    second = Pipeline.objects.create(name="Projects", position=2)
    first = Pipeline.objects.create(name="Retail", position=1)
    assert service.default_pipeline() == first
    assert second.pk


def test_create_takes_the_first_stage_its_probability_and_records_history(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    opportunity = _open(sales_a, shop["customer"], expected_close=dt.date(2030, 1, 31))
    assert opportunity.stage == stages[0]
    assert opportunity.probability == 10
    assert opportunity.status == "open"
    assert opportunity.owner == sales_a and opportunity.created_by == sales_a
    assert opportunity.branch == business.branch_a  # the customer's home branch
    assert opportunity.value == 0 and opportunity.version == 1
    change = StageChange.objects.get(opportunity=opportunity)
    assert (change.from_stage, change.to_stage, change.status, change.changed_by) == (None, stages[0], "open", sales_a)
    event = AuditEvent.objects.get(object_type="sales.opportunity", object_id=str(opportunity.pk))
    assert event.action == "create" and event.subject_key == f"customers.customer:{shop['customer'].pk}"
    assert event.changes["title"] == [None, "Seragam 40 karyawan"]


def test_create_with_lines_sums_the_value(business: Business, shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = _open(
        sales_a,
        shop["customer"],
        stage=stages[2],
        lines=[
            {"product_id": shop["creambath"].pk, "quantity": 3, "unit_price": None, "description": ""},
            {"product_id": None, "quantity": 2, "unit_price": 125_000, "description": "Kain batik"},
        ],
    )
    assert opportunity.value == 3 * 150_000 + 2 * 125_000
    assert opportunity.probability == 50
    lines = list(opportunity.lines.values_list("product_id", "description", "quantity", "unit_price"))
    assert lines == [(shop["creambath"].pk, "Creambath", 3, 150_000), (None, "Kain batik", 2, 125_000)]


def test_create_with_lines_keeps_a_given_value(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = _open(
        sales_a, shop["customer"], value=900_000, lines=[{"product_id": shop["shampoo"].pk, "quantity": 1}]
    )
    assert opportunity.value == 900_000


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"value": -5}, "value"),
        ({"value": "lots"}, "value"),
        ({"customer": None}, "customer"),
        ({"lines": [{"product_id": None, "quantity": 1, "unit_price": 10, "description": ""}]}, "lines[1].description"),
        ({"lines": [{"product_id": None, "quantity": 0, "unit_price": 10, "description": "x"}]}, "lines[1].quantity"),
        ({"lines": [{"product_id": None, "quantity": 1, "unit_price": -1, "description": "x"}]}, "lines[1].unit_price"),
        ({"lines": [{"product_id": 999_999, "quantity": 1}]}, "lines[1].product"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(
    shop: dict, sales_a: User, stages: list[Stage], kwargs: dict, field: str
) -> None:
    arguments = {"actor": sales_a, "customer": shop["customer"], "title": "Seragam", **kwargs}
    with pytest.raises(ApplicationError) as error:
        service.opportunity_create(**arguments)
    assert list(error.value.extra) == [field]
    assert not Opportunity.objects.exists() and not StageChange.objects.exists()


def test_create_refuses_a_stage_of_another_pipeline(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    other = Pipeline.objects.create(name="Projects")
    with pytest.raises(ApplicationError) as error:
        _open(sales_a, shop["customer"], pipeline=other, stage=stages[1])
    assert error.value.extra == {"stage": ["This stage belongs to another pipeline."]}
    assert not Opportunity.objects.exists()


def test_create_refuses_a_customer_of_another_branch(
    business: Business, shop: dict, sales_b: User, stages: list[Stage]
) -> None:
    with pytest.raises(ApplicationError) as error:
        _open(sales_b, shop["customer"])
    assert error.value.extra == {"customer": ["Customer not found."]}


@pytest.mark.parametrize("who", ["cashier_a", "analyst"])
def test_create_needs_the_edit_capability(business: Business, shop: dict, stages: list[Stage], who: str) -> None:
    with pytest.raises(PermissionDeniedError):
        _open(getattr(business, who), shop["customer"])
    assert not Opportunity.objects.exists()


def test_move_records_time_in_the_stage_left_and_takes_the_new_probability(
    shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    opportunity = _open(sales_a, shop["customer"])
    entered = timezone.now() - dt.timedelta(days=2, hours=3)
    Opportunity.objects.filter(pk=opportunity.pk).update(stage_entered_at=entered)
    moved = service.opportunity_move(actor=sales_a, opportunity_id=opportunity.pk, stage_id=stages[2].pk)
    assert (moved.stage_id, moved.probability, moved.version) == (stages[2].pk, 50, 2)
    assert moved.stage_entered_at > entered
    change = StageChange.objects.filter(opportunity=opportunity).last()
    assert change is not None
    assert (change.from_stage_id, change.to_stage_id) == (stages[0].pk, stages[2].pk)
    assert abs(change.seconds_in_previous - (2 * 86400 + 3 * 3600)) <= 2


def column_of(stage: Stage) -> list[int]:
    return list(Opportunity.objects.filter(stage=stage).order_by("position", "id").values_list("pk", flat=True))


def test_move_places_the_card_at_the_given_position(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    first, second, third = (_open(sales_a, shop["customer"], stage=stages[1]) for _ in range(3))
    card = _open(sales_a, shop["customer"])
    service.opportunity_move(actor=sales_a, opportunity_id=card.pk, stage_id=stages[1].pk, position=1)
    column = list(Opportunity.objects.filter(stage=stages[1]).order_by("position", "id").values_list("pk", flat=True))
    assert column == [first.pk, card.pk, second.pk, third.pk]
    service.opportunity_move(actor=sales_a, opportunity_id=first.pk, stage_id=stages[1].pk, position=3)
    column = list(Opportunity.objects.filter(stage=stages[1]).order_by("position", "id").values_list("pk", flat=True))
    assert column == [card.pk, second.pk, third.pk, first.pk]
    # A reorder inside the column is not a stage change.
    assert StageChange.objects.filter(opportunity=first).count() == 1
    # To the top: below the first card's position, nothing else changes.
    before = dict(Opportunity.objects.values_list("pk", "position"))
    service.opportunity_move(actor=sales_a, opportunity_id=third.pk, stage_id=stages[1].pk, position=0)
    after = dict(Opportunity.objects.values_list("pk", "position"))
    assert {pk for pk in before if before[pk] != after[pk]} == {third.pk}
    assert column_of(stages[1]) == [third.pk, card.pk, second.pk, first.pk]
    # Between two cards with equal positions: only the cards above move.
    Opportunity.objects.filter(pk__in=[card.pk, second.pk]).update(position=7)  # second first: lower id
    Opportunity.objects.filter(pk=first.pk).update(position=9)
    service.opportunity_move(actor=sales_a, opportunity_id=third.pk, stage_id=stages[1].pk, position=1)
    assert column_of(stages[1]) == [second.pk, third.pk, card.pk, first.pk]
    assert Opportunity.objects.get(pk=first.pk).position == 9


def test_move_refuses_a_stage_of_another_pipeline(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = _open(sales_a, shop["customer"])
    other = Stage.objects.create(pipeline=Pipeline.objects.create(name="Projects"), name="Tender")
    with pytest.raises(ApplicationError) as error:
        service.opportunity_move(actor=sales_a, opportunity_id=opportunity.pk, stage_id=other.pk)
    assert error.value.extra == {"stage": ["This stage belongs to another pipeline."]}
    opportunity.refresh_from_db()
    assert opportunity.stage == stages[0] and opportunity.version == 1
    assert StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_move_refuses_a_closed_opportunity(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = service.opportunity_win(actor=sales_a, opportunity=_open(sales_a, shop["customer"]))
    with pytest.raises(ApplicationError) as error:
        service.opportunity_move(actor=sales_a, opportunity_id=opportunity.pk, stage_id=stages[1].pk)
    assert list(error.value.extra) == ["status"]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages[0] and opportunity.status == "won"


def test_move_of_an_opportunity_in_another_branch_is_not_found(
    business: Business, shop: dict, sales_a: User, sales_b: User, stages: list[Stage]
) -> None:
    opportunity = _open(sales_a, shop["customer"])
    with pytest.raises(NotFoundError):
        service.opportunity_move(actor=sales_b, opportunity_id=opportunity.pk, stage_id=stages[1].pk)
    opportunity.refresh_from_db()
    assert opportunity.stage == stages[0]


def test_win_lose_and_reopen_record_status_history(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = _open(sales_a, shop["customer"], stage=stages[3], value=1_000_000)
    won = service.opportunity_win(actor=sales_a, opportunity=opportunity, note="Signed")
    assert (won.status, won.probability, won.close_note) == ("won", 100, "Signed")
    assert won.closed_at is not None and won.order is None
    reopened = service.opportunity_reopen(actor=sales_a, opportunity=won)
    assert (reopened.status, reopened.probability, reopened.closed_at, reopened.stage) == ("open", 75, None, stages[3])
    reason = LostReason.objects.create(name="Price too high")
    lost = service.opportunity_lose(actor=sales_a, opportunity=reopened, reason=reason, note="Competitor -10%")
    assert (lost.status, lost.probability, lost.lost_reason, lost.close_note) == (
        "lost",
        0,
        reason,
        "Competitor -10%",
    )
    history = list(StageChange.objects.filter(opportunity=opportunity).values_list("to_stage", "status"))
    assert history == [(stages[3].pk, "open"), (stages[3].pk, "won"), (stages[3].pk, "open"), (stages[3].pk, "lost")]
    assert lost.version == 4


def test_lose_needs_a_configured_reason(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = _open(sales_a, shop["customer"])
    archived = LostReason.objects.create(name="Old reason", active=False)
    for reason in (None, archived, 999_999):
        with pytest.raises(ApplicationError) as error:
            service.opportunity_lose(actor=sales_a, opportunity=opportunity, reason=reason)
        assert error.value.extra == {"reason": ["Choose why the opportunity was lost."]}
    opportunity.refresh_from_db()
    assert opportunity.status == "open" and StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_closing_twice_is_refused(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = service.opportunity_win(actor=sales_a, opportunity=_open(sales_a, shop["customer"]))
    with pytest.raises(ApplicationError) as error:
        service.opportunity_win(actor=sales_a, opportunity=opportunity)
    assert list(error.value.extra) == ["status"]
    with pytest.raises(ApplicationError):
        service.opportunity_lose(actor=sales_a, opportunity=opportunity, reason=LostReason.objects.create(name="x"))
    open_one = _open(sales_a, shop["customer"])
    with pytest.raises(ApplicationError) as error:
        service.opportunity_reopen(actor=sales_a, opportunity=open_one)
    assert list(error.value.extra) == ["status"]


def test_win_creates_a_placed_unpaid_order_from_the_lines(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    opportunity = _open(
        sales_a,
        shop["customer"],
        lines=[
            {"product_id": shop["creambath"].pk, "quantity": 2, "unit_price": 140_000},
            {"description": "Pelatihan staf", "quantity": 1, "unit_price": 500_000},
        ],
    )
    won = service.opportunity_win(actor=sales_a, opportunity=opportunity, create_order=True)
    order = won.order
    assert order is not None
    assert (order.status, order.customer, order.branch, order.total) == (
        "placed",
        shop["customer"],
        business.branch_a,
        780_000,
    )
    assert order.number == f"KMG-{order.pk:07d}"
    assert not order.payments.exists() and order.points_earned == 0
    assert list(order.lines.values_list("description", "quantity", "unit_price", "total")) == [
        ("Creambath", 2, 140_000, 280_000),
        ("Pelatihan staf", 1, 500_000, 500_000),
    ]
    # PPN 11% included in the prices (the shop's settings).
    assert order.tax_total == round(780_000 * 11 / 111)


def test_win_with_a_payment_records_a_paid_sale_through_checkout(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    opportunity = _open(sales_a, shop["customer"], lines=[{"product_id": shop["shampoo"].pk, "quantity": 2}])
    won = service.opportunity_win(actor=sales_a, opportunity=opportunity, create_order=True, payment_method="transfer")
    assert won.order is not None
    assert (won.order.status, won.order.total) == ("fulfilled", 91_000)
    assert list(won.order.payments.values_list("method", "amount")) == [("transfer", 91_000)]


def test_win_creating_an_order_without_lines_is_refused(shop: dict, sales_a: User, stages: list[Stage]) -> None:
    opportunity = _open(sales_a, shop["customer"], value=5_000_000)
    with pytest.raises(ApplicationError) as error:
        service.opportunity_win(actor=sales_a, opportunity=opportunity, create_order=True)
    assert list(error.value.extra) == ["create_order"]
    opportunity.refresh_from_db()
    assert opportunity.status == "open" and not Order.objects.exists()


def test_win_links_an_existing_order_of_the_same_customer_only(
    business: Business, shop: dict, sales_a: User, stages: list[Stage]
) -> None:
    opportunity = _open(sales_a, shop["customer"])
    stranger = Customer.objects.create(name="Orang Lain", search_name="orang lain", home_branch=business.branch_a)
    foreign = Order.objects.create(
        number="KMG-1", customer=stranger, branch=business.branch_a, business_date=dt.date(2030, 1, 1)
    )
    with pytest.raises(ApplicationError) as error:
        service.opportunity_win(actor=sales_a, opportunity=opportunity, order=foreign)
    assert list(error.value.extra) == ["order"]
    own = Order.objects.create(
        number="KMG-2", customer=shop["customer"], branch=business.branch_a, business_date=dt.date(2030, 1, 1)
    )
    assert service.opportunity_win(actor=sales_a, opportunity=opportunity, order=own).order == own
