"""Segment definitions, every operator on a hand-made population, evaluation history, static
lists and segments as targets."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.core.models import AuditEvent
from setia.customers.models import Customer
from setia.segments import services
from setia.segments.definitions import definition_clean
from setia.segments.fields import parse_money
from setia.segments.models import Segment, SegmentMember


def names(definition: dict[str, Any]) -> set[str]:
    return set(services.segment_queryset(definition).values_list("name", flat=True))


def one(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"match": "all", "conditions": [{"field": field, "op": op, "value": value}]}


def _days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wrong_value_is_refused_naming_the_condition_and_its_field() -> None:
    with pytest.raises(ApplicationError) as caught:
        definition_clean(one("customer.age", "gt", "tiga puluh"))
    assert caught.value.message == "Condition 1 (Age): enter a number"
    assert caught.value.extra == {"conditions.1": ["Condition 1 (Age): enter a number"]}


@pytest.mark.django_db
def test_problems_in_nested_groups_are_named_by_their_position() -> None:
    definition = {
        "match": "all",
        "conditions": [
            {"field": "customer.gender", "op": "any_of", "value": ["female"]},
            {
                "match": "any",
                "conditions": [
                    {"field": "nope", "op": "is", "value": "x"},
                    {"field": "customer.age", "op": "contains", "value": "3"},
                ],
            },
            {"match": "any", "conditions": []},
        ],
    }
    with pytest.raises(ApplicationError) as caught:
        definition_clean(definition)
    assert caught.value.message == "Condition 2.1: there is no field “nope”."
    assert caught.value.extra == {
        "conditions.2.1": ["Condition 2.1: there is no field “nope”."],
        "conditions.2.2": ["Condition 2.2 (Age): “contains” is not an operator for this field"],
        "conditions.3": ["Group 3 is empty: add a condition or remove it."],
    }


@pytest.mark.django_db
def test_choices_must_be_known_and_between_must_be_in_order() -> None:
    with pytest.raises(ApplicationError, match=r"Condition 1 \(Gender\): “other” is not one of the choices"):
        definition_clean(one("customer.gender", "any_of", ["other"]))
    with pytest.raises(ApplicationError, match="the first value must not be above the second"):
        definition_clean(one("analytics.predicted_value", "between", ["6.000.000", "5.000.000"]))
    with pytest.raises(ApplicationError, match="Add at least one condition"):
        definition_clean({"match": "all", "conditions": []})


def test_money_is_read_as_typed_in_rupiah() -> None:
    assert parse_money("5.000.000") == 5_000_000
    assert parse_money("5000000") == 5_000_000
    assert parse_money("Rp 5.000.000") == 5_000_000
    assert parse_money("5,000,000") == 5_000_000
    assert parse_money("Rp5.000.000,00") == 5_000_000
    assert parse_money("-5.000") == -5_000
    for typed in ("lima juta", "5.5", "1.5", "5.000.5"):
        with pytest.raises(ValueError):
            parse_money(typed)  # never 55 or 15: a decimal point is not a thousands separator


@pytest.mark.django_db
def test_a_saved_definition_holds_values_in_their_checked_form(people: dict[str, Any]) -> None:
    cleaned = definition_clean(one("analytics.predicted_value", "gt", "Rp 5.000.000"))
    assert cleaned == {
        "match": "all",
        "conditions": [{"field": "analytics.predicted_value", "op": "gt", "value": 5_000_000}],
    }


# --- Operators --------------------------------------------------------------------------------

CASES = [
    # text
    ("customer.occupation", "is", "guru sd", {"Ani"}),
    ("customer.occupation", "is_not", "Guru SD", {"Budi", "Citra", "Dedi"}),
    ("customer.occupation", "contains", "guru", {"Ani", "Dedi"}),
    ("customer.occupation", "is_empty", None, {"Citra"}),
    # number (age from the birthday; Budi turns 30 tomorrow, Citra has no birthday)
    ("customer.age", "eq", "30", {"Ani"}),
    ("customer.age", "ne", "30", {"Budi", "Dedi"}),
    ("customer.age", "gt", "29", {"Ani", "Dedi"}),
    ("customer.age", "gte", "30", {"Ani", "Dedi"}),
    ("customer.age", "lt", "30", {"Budi"}),
    ("customer.age", "lte", "29", {"Budi"}),
    ("customer.age", "between", ["29", "30"], {"Ani", "Budi"}),
    # money (predicted value: Ani 6.000.000, Budi 4.000.000, Dedi none)
    ("analytics.predicted_value", "gt", "5.000.000", {"Ani"}),
    ("analytics.predicted_value", "lte", "5000000", {"Budi"}),
    ("analytics.predicted_value", "between", ["4.000.000", "6.000.000"], {"Ani", "Budi"}),
    ("analytics.predicted_value", "ne", "4.000.000", {"Ani"}),
    ("analytics.historic_value", "gte", "3.000.000", {"Ani"}),
    # percent (churn risk 0.1 and 0.6)
    ("analytics.churn_risk", "lt", "50", {"Ani"}),
    ("analytics.churn_risk", "gte", "50", {"Budi"}),
    ("analytics.loyalty_index", "gte", "40", {"Ani", "Budi"}),
    # choice
    ("customer.gender", "any_of", ["female"], {"Ani", "Citra"}),
    ("customer.gender", "none_of", ["female"], {"Budi", "Dedi"}),
    ("customer.province", "any_of", ["32"], {"Ani", "Citra"}),
    ("customer.province", "none_of", ["32"], {"Budi", "Dedi"}),
    ("customer.city", "any_of", ["31.71"], {"Budi", "Citra"}),
    ("analytics.rfm_segment", "any_of", ["champions"], {"Ani", "Budi"}),
    ("analytics.rfm_segment", "none_of", ["champions"], {"Citra", "Dedi"}),
    ("customer.source", "any_of", ["referral"], {"Ani"}),
    # yes/no
    ("loyalty.member", "is", True, {"Ani"}),
    ("loyalty.member", "is", "false", {"Budi", "Citra", "Dedi"}),
    ("loyalty.points_balance", "gte", "500", {"Ani"}),
    # purchases (Ani 10 and 100 days ago, Budi 400 days ago, Citra only a cancelled order)
    ("sales.last_purchase", "within_days", "30", {"Ani"}),
    ("sales.last_purchase", "more_than_days_ago", "30", {"Budi"}),
    ("sales.orders", "gte", "1", {"Ani", "Budi"}),
    ("sales.orders", "lt", "2", {"Budi", "Citra", "Dedi"}),
    ("sales.orders", "eq", "0", {"Citra", "Dedi"}),
    ("sales.spend", "gt", "400.000", {"Ani", "Budi"}),
    ("sales.spend", "gte", "1.000.000", {"Budi"}),
    # custom fields
    ("custom.anak", "eq", "2", {"Ani"}),
    ("custom.anak", "gt", "1", {"Ani", "Dedi"}),
    ("custom.anak", "lte", "0", {"Budi"}),
    ("custom.anak", "ne", "2", {"Budi", "Dedi"}),
    ("custom.anak", "between", ["1", "5"], {"Ani", "Dedi"}),
    ("custom.kulit", "any_of", ["Kering"], {"Ani"}),
    ("custom.kulit", "none_of", ["Kering"], {"Budi", "Citra", "Dedi"}),
    ("custom.vip", "is", "true", {"Ani"}),
    ("custom.vip", "is", "false", {"Budi"}),
    ("custom.tgl_daftar", "before", "2025-02-01", {"Ani"}),
    ("custom.tgl_daftar", "after", "2025-02-01", set()),
    ("custom.catatan_gaya", "contains", "MERAH", {"Ani"}),
    ("custom.catatan_gaya", "is_empty", None, {"Budi", "Citra", "Dedi"}),
    ("custom.catatan_gaya", "is_not", "suka warna merah", {"Budi", "Citra", "Dedi"}),
    ("custom.minat", "any_of", ["Yoga"], {"Dedi"}),
    ("custom.minat", "none_of", ["Yoga"], {"Ani", "Budi", "Citra"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "op", "value", "expected"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_operator(people: dict[str, Any], field: str, op: str, value: Any, expected: set[str]) -> None:
    assert names(one(field, op, value)) == expected


@pytest.mark.django_db
def test_dates_relative_and_absolute(people: dict[str, Any]) -> None:
    assert names(one("sales.last_purchase", "before", _days_ago(50))) == {"Budi"}
    assert names(one("sales.last_purchase", "after", _days_ago(150))) == {"Ani"}
    assert names(one("customer.created", "within_days", "1")) == {"Ani", "Budi", "Citra", "Dedi"}


@pytest.mark.django_db
def test_choices_by_id(people: dict[str, Any], business: Business) -> None:
    assert names(one("loyalty.tier", "any_of", [str(people["gold"].pk)])) == {"Ani"}
    assert names(one("sales.products", "any_of", [str(people["serum"].pk)])) == {"Budi"}
    assert names(one("sales.products", "none_of", [str(people["serum"].pk)])) == {"Ani", "Citra", "Dedi"}
    assert names(one("sales.categories", "any_of", [str(people["serum"].category_id)])) == {"Budi"}
    assert names(one("customer.interests", "any_of", [str(people["tag"].pk)])) == {"Ani"}
    assert names(one("customer.home_branch", "any_of", [str(business.branch_b.pk)])) == {"Budi"}


@pytest.mark.django_db
def test_and_or_groups_nest(people: dict[str, Any]) -> None:
    female_in_west_java_or_over_40 = {
        "match": "all",
        "conditions": [
            {"field": "customer.gender", "op": "any_of", "value": ["female"]},
            {
                "match": "any",
                "conditions": [
                    {"field": "customer.province", "op": "any_of", "value": ["32"]},
                    {"field": "customer.age", "op": "gte", "value": "40"},
                ],
            },
        ],
    }
    assert names(female_in_west_java_or_over_40) == {"Ani", "Citra"}
    teachers_who_are_men_or_in_west_java = {
        "match": "all",
        "conditions": [
            {
                "match": "any",
                "conditions": [
                    {"field": "customer.gender", "op": "any_of", "value": ["male"]},
                    {"field": "customer.province", "op": "any_of", "value": ["32"]},
                ],
            },
            {"field": "customer.occupation", "op": "contains", "value": "guru"},
        ],
    }
    assert names(teachers_who_are_men_or_in_west_java) == {"Ani", "Dedi"}
    either = {
        "match": "any",
        "conditions": one("customer.age", "gte", "40")["conditions"] + one("custom.vip", "is", True)["conditions"],
    }
    assert names(either) == {"Ani", "Dedi"}


@pytest.mark.django_db
def test_the_story_champions_in_west_java_with_clv_above_five_million(people: dict[str, Any]) -> None:
    definition = {
        "match": "all",
        "conditions": [
            {"field": "analytics.rfm_segment", "op": "any_of", "value": ["champions"]},
            {"field": "customer.province", "op": "any_of", "value": ["32"]},
            {"field": "analytics.predicted_value", "op": "gt", "value": "5.000.000"},
        ],
    }
    assert names(definition) == {"Ani"}
    assert services.segment_count(definition) == 1


@pytest.mark.django_db
def test_the_live_count_is_limited_to_the_customers_the_actor_sees(people: dict[str, Any], business: Business) -> None:
    female = one("customer.gender", "any_of", ["female"])
    assert services.segment_count(female, actor=business.owner) == 2
    assert services.segment_count(female, actor=business.manager) == 2  # both in branch A
    assert services.segment_count(one("customer.gender", "any_of", ["male"]), actor=business.manager) == 0
    with pytest.raises(ApplicationError, match="permission"):
        services.segment_count(female, actor=business.cashier_a)


# --- Saving and evaluation --------------------------------------------------------------------


def _current(segment: Segment) -> set[str]:
    return set(
        SegmentMember.objects.filter(segment=segment, left_at__isnull=True).values_list("customer__name", flat=True)
    )


@pytest.mark.django_db
def test_a_dynamic_segment_is_evaluated_on_save_and_keeps_its_history(
    people: dict[str, Any], business: Business
) -> None:
    segment = services.segment_create(
        actor=business.analyst, name="Perempuan", definition=one("customer.gender", "any_of", ["female"])
    )
    assert _current(segment) == {"Ani", "Citra"}
    assert segment.member_count == 2
    assert segment.evaluated_at is not None
    assert AuditEvent.objects.filter(object_type="segments.segment", action="create").count() == 1

    Customer.objects.filter(pk=people["citra"].pk).update(gender="male")
    Customer.objects.filter(pk=people["dedi"].pk).update(gender="female")
    result = services.segment_evaluate(actor=business.analyst, segment=segment)
    assert (result.joined, result.left, result.members) == (1, 1, 2)
    assert _current(segment) == {"Ani", "Dedi"}
    citra_stay = SegmentMember.objects.get(segment=segment, customer=people["citra"])
    assert citra_stay.left_at is not None

    Customer.objects.filter(pk=people["citra"].pk).update(gender="female")
    services.segments_refresh_all()
    segment.refresh_from_db()
    assert _current(segment) == {"Ani", "Citra", "Dedi"}
    assert segment.member_count == 3
    stays = list(
        SegmentMember.objects.filter(segment=segment, customer=people["citra"])
        .order_by("joined_at")
        .values_list("left_at", flat=True)
    )
    assert len(stays) == 2 and stays[0] is not None and stays[1] is None
    # Evaluating again with nothing changed adds and removes nobody.
    again = services.segment_evaluate(actor=None, segment=segment)
    assert (again.joined, again.left, again.members) == (0, 0, 3)
    assert SegmentMember.objects.filter(segment=segment).count() == 4


@pytest.mark.django_db
def test_archived_and_merged_customers_are_never_members(people: dict[str, Any], business: Business) -> None:
    segment = services.segment_create(
        actor=business.owner, name="Guru", definition=one("customer.occupation", "contains", "guru")
    )
    assert _current(segment) == {"Ani", "Dedi"}  # not the archived Eko
    Customer.objects.filter(pk=people["dedi"].pk).update(archived_at=timezone.now())
    services.segment_evaluate(actor=None, segment=segment)
    assert _current(segment) == {"Ani"}


@pytest.mark.django_db
def test_a_refused_save_leaves_nothing(people: dict[str, Any], business: Business) -> None:
    with pytest.raises(ApplicationError, match=r"Condition 1 \(Age\)"):
        services.segment_create(actor=business.owner, name="Umur", definition=one("customer.age", "gt", "x"))
    services.segment_create(actor=business.owner, name="Umur", definition=one("customer.age", "gt", "40"))
    with pytest.raises(ApplicationError, match="already exists"):
        services.segment_create(actor=business.owner, name="umur", definition=one("customer.age", "gt", "40"))
    with pytest.raises(ApplicationError, match="permission"):
        services.segment_create(actor=business.cashier_a, name="Kasir", definition=one("customer.age", "gt", "40"))
    assert list(Segment.objects.values_list("name", flat=True)) == ["Umur"]
    assert SegmentMember.objects.count() == 1


@pytest.mark.django_db
def test_update_changes_the_conditions_and_re_evaluates(people: dict[str, Any], business: Business) -> None:
    segment = services.segment_create(actor=business.owner, name="A", definition=one("customer.age", "gt", "40"))
    assert _current(segment) == {"Dedi"}
    segment = services.segment_update(
        actor=business.owner,
        segment=segment,
        name="Tiga puluhan",
        definition=one("customer.age", "between", ["29", "30"]),
    )
    assert segment.name == "Tiga puluhan"
    assert _current(segment) == {"Ani", "Budi"}
    change = AuditEvent.objects.filter(object_type="segments.segment", action="update").get()
    assert set(change.changes) == {"name", "definition"}


@pytest.mark.django_db
def test_a_condition_on_a_score_follows_new_scores(people: dict[str, Any], business: Business) -> None:
    from setia.analytics.models import CustomerScore

    segment = services.segment_create(
        actor=business.analyst, name="Loyal", definition=one("analytics.loyalty_index", "gte", "50")
    )
    assert _current(segment) == {"Ani"}
    CustomerScore.objects.filter(customer=people["budi"]).update(loyalty_index=90)
    CustomerScore.objects.filter(customer=people["ani"]).update(loyalty_index=20)
    services.segments_refresh_all()
    assert _current(segment) == {"Budi"}


# --- Static lists -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_snapshot_freezes_the_members(people: dict[str, Any], business: Business) -> None:
    source = services.segment_create(
        actor=business.owner, name="Pria", definition=one("customer.gender", "any_of", ["male"])
    )
    frozen = services.segment_snapshot(actor=business.owner, source=source, name="Pria Nov")
    assert frozen.kind == Segment.Kind.STATIC and frozen.member_count == 2
    Customer.objects.filter(pk=people["budi"].pk).update(gender="female")
    services.segments_refresh_all()
    assert _current(source) == {"Dedi"}
    assert _current(frozen) == {"Budi", "Dedi"}
    with pytest.raises(ApplicationError, match="not re-evaluated"):
        services.segment_evaluate(actor=business.owner, segment=frozen)


@pytest.mark.django_db
def test_an_uploaded_list_matches_phone_email_external_id_and_card(people: dict[str, Any], business: Business) -> None:
    Customer.objects.filter(pk=people["dedi"].pk).update(external_id="POS-9")
    content = (
        b"phone,email,external_id,member_number\n"
        b"0812-0000-0001,,,\n"
        b",BUDI@example.com,,\n"
        b",,POS-9,\n"
        b",,,card0002\n"
        b"0899 1111 2222,nobody@example.com,,\n"
    )
    segment, result = services.segment_create_static(
        actor=business.owner, name="Undangan", description="", file_name="undangan.csv", content=content
    )
    assert (result.rows, result.matched, result.added) == (5, 4, 3)
    assert result.unmatched == [(6, "0899 1111 2222, nobody@example.com")]
    assert _current(segment) == {"Ani", "Budi", "Dedi"}
    assert segment.kind == Segment.Kind.STATIC
    again = services.segment_upload(
        actor=business.owner, segment=segment, file_name="b.csv", content=b"email\nbudi@example.com\n"
    )
    assert (again.matched, again.added) == (1, 0)


@pytest.mark.django_db
def test_a_branch_manager_s_upload_matches_only_customers_of_her_branches(
    people: dict[str, Any], business: Business
) -> None:
    content = b"phone,email\n0812-0000-0001,\n,budi@example.com\n"  # Ani (branch A), Budi (branch B)
    segment, result = services.segment_create_static(
        actor=business.manager, name="Undangan Kemang", description="", file_name="u.csv", content=content
    )
    assert (result.rows, result.matched, result.added) == (2, 1, 1)
    assert result.unmatched == [(3, "budi@example.com")]  # as if nobody had that email
    assert _current(segment) == {"Ani"}
    _segment, everyone = services.segment_create_static(
        actor=business.owner, name="Undangan semua", description="", file_name="u.csv", content=content
    )
    assert (everyone.matched, everyone.added) == (2, 2)


@pytest.mark.django_db
def test_an_upload_without_a_known_column_is_refused_and_nothing_is_created(business: Business) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.segment_create_static(
            actor=business.owner, name="Salah", description="", file_name="x.csv", content=b"nama\nAni\n"
        )
    assert caught.value.extra == {
        "file": ["The first row must name a column: phone, email, external_id or member_number."]
    }
    with pytest.raises(ApplicationError, match=r"Upload a \.csv or \.xlsx file"):
        services.segment_create_static(
            actor=business.owner, name="Salah", description="", file_name="x.pdf", content=b"%PDF"
        )
    assert not Segment.objects.exists()


@pytest.mark.django_db
def test_members_are_removed_from_a_static_list_with_history(people: dict[str, Any], business: Business) -> None:
    segment, _result = services.segment_create_static(
        actor=business.owner, name="L", description="", file_name="l.csv", content=b"email\nbudi@example.com\n"
    )
    assert services.segment_remove_members(actor=business.owner, segment=segment, customer_ids=[people["budi"].pk]) == 1
    segment.refresh_from_db()
    assert segment.member_count == 0
    assert SegmentMember.objects.get(segment=segment).left_at is not None


# --- Segments as targets, merges ---------------------------------------------------------------


@pytest.mark.django_db
def test_other_apps_ask_for_members(people: dict[str, Any], business: Business) -> None:
    segment = services.segment_create(actor=business.owner, name="VIP", definition=one("custom.vip", "is", True))
    assert services.is_member(segment, people["ani"].pk)
    assert not services.is_member(segment.pk, people["budi"].pk)
    assert set(
        Customer.objects.filter(pk__in=services.segment_customer_ids(segment)).values_list("name", flat=True)
    ) == {"Ani"}


@pytest.mark.django_db
def test_a_merge_passes_a_place_in_a_static_list_to_the_survivor(people: dict[str, Any], business: Business) -> None:
    from setia.segments.services import merge_memberships

    segment, _result = services.segment_create_static(
        actor=business.owner, name="L", description="", file_name="l.csv", content=b"email\nbudi@example.com\n"
    )
    merge_memberships(people["dedi"], people["budi"])
    assert _current(segment) == {"Dedi"}
    segment.refresh_from_db()
    assert segment.member_count == 1


@pytest.mark.django_db
def test_a_voucher_for_a_segment_is_refused_to_customers_outside_it(people: dict[str, Any], business: Business) -> None:
    from setia.loyalty.cart import CartLine
    from setia.loyalty.models import Voucher
    from setia.loyalty.services import vouchers

    segment = services.segment_create(actor=business.owner, name="VIP", definition=one("custom.vip", "is", True))
    voucher = vouchers.voucher_create(
        actor=business.owner,
        name="VIP 10%",
        kind=Voucher.Kind.PERCENT,
        value=10,
        segment=segment,
        per_customer_limit=None,
    )
    vouchers.codes_issue(actor=business.owner, voucher=voucher, code="VIP10", max_uses=None)
    cart = [CartLine(product_id=None, category_id=None, quantity=1, unit_price=200_000)]
    assert vouchers.voucher_evaluate(code="VIP10", customer=people["ani"], lines=cart).discount == 20_000
    with pytest.raises(ApplicationError) as caught:
        vouchers.voucher_evaluate(code="VIP10", customer=people["budi"], lines=cart)
    assert caught.value.extra == {"voucher_code": ["The voucher VIP10 is for the customers of another segment."]}
    with pytest.raises(ApplicationError, match="choose the customer first"):  # a walk-in: who is she?
        vouchers.voucher_evaluate(code="VIP10", customer=None, lines=cart)


@pytest.mark.django_db
def test_a_condition_on_a_deleted_choice_matches_nobody_and_others_still_evaluate(
    people: dict[str, Any], business: Business
) -> None:
    from setia.loyalty.models import Tier

    silver = Tier.objects.create(name="Silver", rank=0)
    on_silver = services.segment_create(
        actor=business.owner, name="Silver", definition=one("loyalty.tier", "any_of", [str(silver.pk)])
    )
    women = services.segment_create(
        actor=business.owner, name="W", definition=one("customer.gender", "any_of", ["female"])
    )
    silver.delete()
    Customer.objects.filter(pk=people["dedi"].pk).update(gender="female")
    assert services.segments_refresh_all()["segments"] == 2
    assert _current(on_silver) == set()
    assert _current(women) == {"Ani", "Citra", "Dedi"}


@pytest.mark.django_db
def test_a_programme_aimed_at_a_segment_reaches_its_members(people: dict[str, Any], business: Business) -> None:
    import datetime as dt

    from setia.loyalty.models import Membership, Programme
    from setia.loyalty.services.programmes import programme_members

    Membership.objects.create(customer=people["budi"], number="M0002", referral_code="BUDI1")
    west_java = services.segment_create(
        actor=business.owner, name="Jabar", definition=one("customer.province", "any_of", ["32"])
    )
    programme = Programme.objects.create(
        name="Jabar", kind=Programme.Kind.RETENTION, goal="Kembali", starts_on=dt.date(2026, 1, 1), segment=west_java
    )
    assert set(programme_members(programme).values_list("customer__name", flat=True)) == {"Ani"}
    programme.segment = None
    assert set(programme_members(programme).values_list("customer__name", flat=True)) == {"Ani", "Budi"}


# --- Stored counts per branch ----------------------------------------------------------------


def _seen_count(actor: Any, segment: Segment) -> int:
    from setia.segments import selectors

    return int(selectors.segment_get(actor=actor, pk=segment.pk).visible_member_count)


@pytest.mark.django_db
def test_stored_counts_follow_each_branch(people: dict[str, Any], business: Business) -> None:
    """Ani and Citra live in branch A, Budi in branch B, Dedi in none: the owner sees every stored
    member, the manager of branch A only the two of branch A, whatever writes the members."""
    everyone = services.segment_create(
        actor=business.owner, name="Semua", definition=one("customer.gender", "any_of", ["female", "male"])
    )
    assert (_seen_count(business.owner, everyone), _seen_count(business.manager, everyone)) == (4, 2)
    Customer.objects.filter(pk=people["citra"].pk).update(gender="")
    services.segment_evaluate(actor=business.owner, segment=everyone)
    assert (_seen_count(business.owner, everyone), _seen_count(business.manager, everyone)) == (3, 1)

    frozen = services.segment_snapshot(actor=business.owner, source=everyone, name="Beku")
    assert (_seen_count(business.owner, frozen), _seen_count(business.manager, frozen)) == (3, 1)

    listed, _result = services.segment_create_static(
        actor=business.owner, name="L", description="", file_name="l.csv", content=b"email\nbudi@example.com\n"
    )
    assert (_seen_count(business.owner, listed), _seen_count(business.manager, listed)) == (1, 0)
    services.segment_upload(actor=business.owner, segment=listed, file_name="l.csv", content=b"phone\n081200000001\n")
    assert (_seen_count(business.owner, listed), _seen_count(business.manager, listed)) == (2, 1)
    services.segment_remove_members(actor=business.owner, segment=listed, customer_ids=[people["ani"].pk])
    assert (_seen_count(business.owner, listed), _seen_count(business.manager, listed)) == (1, 0)

    # Budi merged into Citra (branch A): the list's place passes to her, and so does the count.
    from setia.segments.services import merge_memberships

    merge_memberships(people["citra"], people["budi"])
    assert (_seen_count(business.owner, listed), _seen_count(business.manager, listed)) == (1, 1)


@pytest.mark.django_db
def test_a_scoped_user_without_branches_sees_no_members(people: dict[str, Any], business: Business) -> None:
    from setia.conftest import make_user

    nowhere = make_user("manager_nowhere", "manager")
    everyone = services.segment_create(
        actor=business.owner, name="Semua", definition=one("customer.gender", "any_of", ["female", "male"])
    )
    assert _seen_count(nowhere, everyone) == 0


@pytest.mark.django_db
def test_the_nightly_refresh_recounts_static_lists_by_branch(people: dict[str, Any], business: Business) -> None:
    """A static list is never re-evaluated; its branch counts still follow a customer who moved
    to another branch once the nightly refresh has run."""
    listed, _result = services.segment_create_static(
        actor=business.owner, name="L", description="", file_name="l.csv", content=b"email\nbudi@example.com\n"
    )
    assert _seen_count(business.manager, listed) == 0
    Customer.objects.filter(pk=people["budi"].pk).update(home_branch=business.branch_a)
    figures = services.segments_refresh_all()
    assert figures["lists_recounted"] == 1
    assert (_seen_count(business.owner, listed), _seen_count(business.manager, listed)) == (1, 1)
