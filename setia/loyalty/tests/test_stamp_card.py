"""The stamp card: every N visits with X, the next X is free ("every sixth creambath is free")."""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from setia.conftest import PERSONAS, Business, client_for, persona_user
from setia.customers.models import Customer, CustomerPhone
from setia.loyalty.cart import CartLine
from setia.loyalty.models import LoyaltySettings, Membership, Promotion, Stamp, Voucher, VoucherCode
from setia.loyalty.services import programmes, promotions, vouchers
from setia.loyalty.services.purchases import purchase_recorded
from setia.sales.models import Order
from setia.sales.services.checkout import LineIn, PaymentIn, checkout, quote
from setia.sales.services.refunds import order_refund

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(business: Business, programme: Any, catalogue: dict[str, Any]) -> Promotion:
    saved = programmes.config_save(
        actor=business.owner,
        instance=Promotion(
            name="Kartu stempel creambath",
            kind=Promotion.Kind.STAMP_CARD,
            product=catalogue["cream"],
            quantity=5,
            next_valid_days=30,
        ),
    )
    assert isinstance(saved, Promotion)
    return saved


@pytest.fixture
def ayu(join: Callable[..., Membership]) -> Customer:
    return join("Ayu").customer


def visit(
    business: Business, customer: Customer, *items: tuple[Any, int], voucher_code: str = "", key: str | None = None
) -> Order:
    """A sale at the till of branch A, paid in cash (the change covers any discount)."""
    gross = sum(product.price * quantity for product, quantity in items)
    order, _created = checkout(
        actor=business.cashier_a,
        branch=business.branch_a,
        customer=customer,
        lines=[LineIn(product_id=product.pk, quantity=quantity) for product, quantity in items],
        payments=[PaymentIn("cash", gross)] if gross else [],
        voucher_code=voucher_code,
        idempotency_key=key,
    )
    return order


def stamps_of(customer: Customer, card: Promotion) -> int:
    [found] = promotions.stamp_cards(customer.pk)
    assert found.promotion.pk == card.pk and found.needed == card.quantity
    return found.stamps


def stamp_codes(customer: Customer) -> list[VoucherCode]:
    return list(VoucherCode.objects.filter(customer=customer, issue_key__startswith="stamp:").order_by("pk"))


def test_five_visits_earn_one_free_creambath_the_sixth_is_free_at_the_till_and_the_card_starts_again(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    cream, shampoo = catalogue["cream"], catalogue["shampoo"]
    for number in range(1, 5):
        visit(business, ayu, (cream, 1))
        assert stamps_of(ayu, card) == number and stamp_codes(ayu) == []
    fifth = visit(business, ayu, (cream, 1), (shampoo, 1))
    [code] = stamp_codes(ayu)
    assert code.issue_key == f"stamp:{card.pk}:sales.order:{fifth.pk}" and code.reason == card.name
    assert (code.voucher.kind, code.voucher.free_product_id, code.max_uses) == (Voucher.Kind.FREE_ITEM, cream.pk, 1)
    assert timezone.localtime(code.valid_until).date() == timezone.localdate() + dt.timedelta(days=30)
    assert Stamp.objects.filter(customer=ayu, reward_code=code).count() == 5
    assert stamps_of(ayu, card) == 0  # a new card
    assert code in vouchers.codes_for_customer(ayu)  # the till lists it at her next visit
    sixth = visit(business, ayu, (cream, 1), (shampoo, 1), voucher_code=code.code)
    assert (sixth.discount_total, sixth.total) == (200_000, 80_000)  # the creambath free, the shampoo paid
    code.refresh_from_db()
    assert code.uses == 1 and code not in vouchers.codes_for_customer(ayu)
    assert stamps_of(ayu, card) == 0  # the free visit earns no stamp: every sixth is free
    for number in range(1, 5):
        visit(business, ayu, (cream, 1))
        assert stamps_of(ayu, card) == number
    eleventh = visit(business, ayu, (cream, 1))
    assert [c.issue_key for c in stamp_codes(ayu)] == [code.issue_key, f"stamp:{card.pk}:sales.order:{eleventh.pk}"]
    assert Voucher.objects.filter(kind=Voucher.Kind.FREE_ITEM, free_product=cream).count() == 1  # one voucher


def test_two_creambaths_in_one_visit_earn_one_stamp_and_other_visits_none(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    visit(business, ayu, (catalogue["cream"], 2), (catalogue["cut"], 1), (catalogue["cream"], 1))
    assert stamps_of(ayu, card) == 1
    visit(business, ayu, (catalogue["cut"], 1))
    assert stamps_of(ayu, card) == 1
    assert Stamp.objects.filter(customer=ayu).count() == 1


def test_a_retried_sale_stamps_once(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    first = visit(business, ayu, (catalogue["cream"], 1), key="till-1-0001")
    again = visit(business, ayu, (catalogue["cream"], 1), key="till-1-0001")
    assert again.pk == first.pk and Stamp.objects.filter(customer=ayu).count() == 1
    # The same purchase recorded again by loyalty's own entry point: still one stamp.
    line = CartLine(catalogue["cream"].pk, catalogue["cream"].category_id, 1, 200_000)
    source = f"sales.order:{first.pk}"
    purchase_recorded(actor=None, customer=ayu, source=source, paid=200_000, lines=[line], at=timezone.now())
    assert list(Stamp.objects.filter(customer=ayu).values_list("source", flat=True)) == [source]
    assert stamps_of(ayu, card) == 1


def test_a_refund_of_the_whole_visit_takes_its_stamp_back_and_an_issued_code_stays(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    cream, shampoo = catalogue["cream"], catalogue["shampoo"]
    orders = [visit(business, ayu, (cream, 1), (shampoo, 1)) for _visit in range(5)]
    [code] = stamp_codes(ayu)
    order_refund(actor=business.manager, order=orders[4], reason="Batal", amount=orders[4].total)
    assert Stamp.objects.get(source=f"sales.order:{orders[4].pk}").reversed_at is not None
    assert code in vouchers.codes_for_customer(ayu)  # issued: stays hers
    assert stamps_of(ayu, card) == 0
    seventh, eighth = visit(business, ayu, (cream, 1), (shampoo, 1)), visit(business, ayu, (cream, 1))
    assert stamps_of(ayu, card) == 2
    order_refund(actor=business.manager, order=seventh, reason="Sampo rusak", amount=80_000)  # a part: kept
    assert stamps_of(ayu, card) == 2
    order_refund(actor=business.manager, order=seventh, reason="Batal semua", amount=seventh.total - 80_000)
    assert stamps_of(ayu, card) == 1
    assert Stamp.objects.filter(source=f"sales.order:{eighth.pk}", reversed_at__isnull=True).exists()


def test_history_imported_without_its_rewards_earns_no_stamp(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    line = CartLine(catalogue["cream"].pk, catalogue["cream"].category_id, 1, 200_000)
    at = timezone.now() - dt.timedelta(days=40)
    purchase_recorded(
        actor=None, customer=ayu, source="sales.order:9001", paid=200_000, lines=[line], at=at, apply_rewards=False
    )
    assert not Stamp.objects.exists()
    purchase_recorded(actor=None, customer=ayu, source="sales.order:9002", paid=200_000, lines=[line], at=at)
    stamp = Stamp.objects.get()  # --apply-loyalty: stamped on the day of the purchase
    assert timezone.localtime(stamp.created_at).date() == timezone.localtime(at).date()


def test_the_till_suggests_what_the_visit_does_for_her_card(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    cream, cut = catalogue["cream"], catalogue["cut"]
    today = timezone.localdate()

    def suggestions(*products: Any) -> list[str]:
        lines = [CartLine(p.pk, p.category_id, 1, p.price, name=p.name) for p in products]
        return promotions.promotions_apply(lines=lines, on=today, customer_id=ayu.pk).suggestions

    for _visit in range(3):
        visit(business, ayu, (cream, 1))
    assert suggestions(cream) == ["One more visit and the next Creambath is free (Kartu stempel creambath)."]
    assert suggestions(cut) == []
    visit(business, ayu, (cream, 1))
    assert suggestions(cream) == [
        "This visit completes her stamp card: the next Creambath is free (Kartu stempel creambath)."
    ]
    assert suggestions(cut) == [
        "Add Creambath: this visit completes her stamp card and the next one is free (Kartu stempel creambath)."
    ]
    lines = [CartLine(cream.pk, cream.category_id, 1, cream.price)]
    assert promotions.promotions_apply(lines=lines, on=today).suggestions == []  # no customer: no card
    # The till's quote asks for her card: the cashier sees it before the sale.
    till = quote(branch=business.branch_a, customer=ayu, lines=[LineIn(product_id=cream.pk, quantity=1)])
    assert (
        "This visit completes her stamp card: the next Creambath is free (Kartu stempel creambath)." in till.suggestions
    )


def test_the_member_panel_and_the_caller_card_show_her_stamps(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    for _visit in range(3):
        visit(business, ayu, (catalogue["cream"], 1))
    client = client_for(business.cashier_a)
    client.cookies["django_language"] = "en"
    html = client.get(f"/customers/{ayu.pk}/").content.decode()
    assert 'data-testid="stamp-card-label">Creambath: 3 of 5 stamps<' in html
    assert html.count("bi-circle-fill text-success") == 3
    CustomerPhone.objects.create(customer=ayu, number="+6281169645669", is_primary=True)
    caller = client.get("/calls/lookup/?phone=0811-6964-5669").content.decode()
    assert "Creambath: 3 of 5 stamps" in caller.split('data-testid="caller-stamp-card"')[1]
    Promotion.objects.filter(pk=card.pk).update(is_active=False)  # a card no longer running is not shown
    promotions_config_clear()
    assert 'data-testid="stamp-card"' not in client.get(f"/customers/{ayu.pk}/").content.decode()


def promotions_config_clear() -> None:
    from setia.loyalty.services import config

    config.CONFIG.clear()


def test_a_merge_moves_her_stamps_to_the_survivor(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any], make_customer: Callable[..., Any]
) -> None:
    from setia.customers.merge import customers_merge

    visit(business, ayu, (catalogue["cream"], 1))
    survivor = make_customer("Ayu Lestari")
    customers_merge(actor=business.owner, survivor=survivor, merged=ayu)
    assert list(Stamp.objects.values_list("customer_id", flat=True)) == [survivor.pk]


def test_the_promotion_form_names_the_field_of_a_bad_stamp_card(
    business: Business, programme: Any, catalogue: dict[str, Any]
) -> None:
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    form = client.get("/loyalty/promotions/new/").content.decode()
    assert 'value="stamp_card"' in form
    assert 'data-show-for-kind="buy_x_get_y buy_n_get_one stamp_card"' in form  # N
    assert 'data-show-for-kind="next_discount stamp_card"' in form  # the days the free code is valid
    data = {"name": "Kartu stempel", "kind": "stamp_card", "product": catalogue["cream"].pk, "is_active": "on"}
    for quantity in ("", "1"):
        refused = client.post("/loyalty/promotions/new/", {**data, "quantity": quantity})
        page = refused.content.decode()
        assert refused.status_code == 200 and 'data-field-error="quantity"' in page
        assert "A stamp card needs at least 2 visits before the free one." in page
    no_product = client.post("/loyalty/promotions/new/", {**data, "product": "", "quantity": 5})
    assert no_product.status_code == 200 and 'data-field-error="product"' in no_product.content.decode()
    assert not Promotion.objects.exists()
    saved = client.post("/loyalty/promotions/new/", {**data, "quantity": 5, "next_valid_days": 60})
    assert saved.status_code == 302
    promotion = Promotion.objects.get()
    assert (promotion.kind, promotion.quantity, promotion.next_valid_days) == ("stamp_card", 5, 60)


def test_the_service_refuses_a_stamp_card_of_one_visit(business: Business, card: Promotion) -> None:
    from setia.core.errors import ApplicationError

    card.quantity = 1
    with pytest.raises(ApplicationError) as error:
        programmes.config_save(actor=business.owner, instance=card)
    assert list(error.value.extra) == ["quantity"]
    assert Promotion.objects.get(pk=card.pk).quantity == 5


STAMP_PAGES = [
    ("/loyalty/promotions/new/", [302, 403, 403, 200, 200], False),
    ("/loyalty/promotions/{card}/edit/", [302, 403, 403, 200, 200], False),
    ("/loyalty/promotions/", [302, 200, 200, 200, 200], False),
    ("/customers/{member}/", [302, 404, 200, 200, 200], True),
    ("/calls/lookup/?phone=0811-6964-5669", [302, 200, 200, 200, 200], True),
]


@pytest.mark.parametrize(("path", "statuses", "shows_stamps"), STAMP_PAGES, ids=[p for p, _s, _w in STAMP_PAGES])
@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
def test_pages_per_persona(
    business: Business,
    card: Promotion,
    ayu: Customer,
    catalogue: dict[str, Any],
    path: str,
    statuses: list[int],
    shows_stamps: bool,
    persona_index: int,
) -> None:
    visit(business, ayu, (catalogue["cream"], 1))
    CustomerPhone.objects.create(customer=ayu, number="+6281169645669", is_primary=True)
    client = client_for(persona_user(business, PERSONAS[persona_index]))
    client.cookies["django_language"] = "en"
    response = client.get(path.format(card=card.pk, member=ayu.pk))
    assert response.status_code == statuses[persona_index]
    if shows_stamps and response.status_code == 200:
        # The other branch's cashier finds no caller she may not see: no card either.
        expected = PERSONAS[persona_index] != "other_branch_front_office"
        assert ("Creambath: 1 of 5 stamps" in response.content.decode()) == expected


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_visits_recorded_at_the_same_moment_stamp_once_each_and_complete_the_card_once(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    """Real threads on PostgreSQL: the same purchase recorded twice at once stamps once; two
    purchases that could each complete the card (four stamps before) give one free code."""
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    # No points: nothing else in recording a purchase locks her membership row, so the stamps'
    # own lock is what keeps the two visits from both completing the card.
    LoyaltySettings.objects.filter(pk=1).update(points_per_unit=0)
    cream = catalogue["cream"]
    line = CartLine(cream.pk, cream.category_id, 1, 200_000)
    for number in range(4):
        purchase_recorded(
            actor=None, customer=ayu, source=f"sales.order:{number}", paid=200_000, lines=[line], at=timezone.now()
        )
    sources = ["sales.order:10", "sales.order:10", "sales.order:11", "sales.order:12"]
    barrier = threading.Barrier(len(sources))

    def record(source: str) -> None:
        try:
            barrier.wait()
            purchase_recorded(actor=None, customer=ayu, source=source, paid=200_000, lines=[line], at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=record, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Stamp.objects.filter(source="sales.order:10").count() == 1 and Stamp.objects.count() == 7
    [code] = stamp_codes(ayu)
    assert Stamp.objects.filter(reward_code=code).count() == 5
    assert stamps_of(ayu, card) == 2  # the two visits after the one that completed the card


def test_a_free_code_kept_for_later_earns_no_stamp_on_the_visit_that_spends_it(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    """She keeps her free creambath for later and pays for four more; the visit that spends the
    free code is still not stamped (it would have completed her second card one visit early)."""
    cream = catalogue["cream"]
    for _number in range(5):
        visit(business, ayu, (cream, 1))
    [code] = stamp_codes(ayu)
    for number in range(1, 5):
        visit(business, ayu, (cream, 1))
        assert stamps_of(ayu, card) == number
    # The till says so: with four stamps, a creambath "completes her card", but not paid with
    # the free code.
    completes = "This visit completes her stamp card: the next Creambath is free (Kartu stempel creambath)."
    assert completes in quote(branch=business.branch_a, customer=ayu, lines=[LineIn(product_id=cream.pk)]).suggestions
    with_code = quote(
        branch=business.branch_a, customer=ayu, lines=[LineIn(product_id=cream.pk)], voucher_code=code.code
    )
    assert with_code.voucher_discount == cream.price and completes not in with_code.suggestions
    free = visit(business, ayu, (cream, 1), voucher_code=code.code)
    assert free.total == 0
    assert stamps_of(ayu, card) == 4 and stamp_codes(ayu) == [code]
    visit(business, ayu, (cream, 1))  # the fifth paid visit of the second card
    assert stamps_of(ayu, card) == 0 and len(stamp_codes(ayu)) == 2


def test_a_programme_counts_its_stamp_cards_free_visits_as_redemptions_and_cost(
    business: Business, card: Promotion, ayu: Customer, catalogue: dict[str, Any]
) -> None:
    from setia.loyalty.models import Programme

    programme = Programme.objects.create(
        name="Setia creambath", kind=Programme.Kind.RETENTION, goal="Kembali tiap bulan", starts_on=timezone.localdate()
    )
    programme.promotions.set([card])
    cream = catalogue["cream"]
    for _visit in range(5):
        visit(business, ayu, (cream, 1))
    [code] = stamp_codes(ayu)
    assert programmes.programme_results(programme).voucher_redemptions == 0
    visit(business, ayu, (cream, 1), voucher_code=code.code)
    results = programmes.programme_results(programme)
    assert (results.voucher_redemptions, results.voucher_discount, results.cost) == (1, cream.price, cream.price)
