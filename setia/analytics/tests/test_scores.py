"""Every score on small datasets computed by hand: RFM values, quintile scores (with ties),
segments, the refund rules, loyalty index components, history and movement, the extract's
incremental rule."""

import datetime as dt

import duckdb
import pytest
from django.utils import timezone

from setia.analytics import loyalty_index, rfm
from setia.analytics.models import AnalyticsRun, AnalyticsSettings, ClvFit, CustomerScore, CustomerScoreSnapshot
from setia.analytics.services import engine
from setia.analytics.tests import factories
from setia.catalog.models import Category
from setia.conftest import Business
from setia.customers.models import Customer
from setia.loyalty.models import Membership, Referral
from setia.sales.models import Order, OrderLine
from setia.segments.services import segment_create, segment_customer_ids

TODAY = dt.date(2026, 6, 30)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


# --- RFM scores and segments, computed in DuckDB ------------------------------------------------


def _rfm_of(days: list[tuple[int, dt.date, int]], window: int = 365) -> dict[int, tuple]:
    db = duckdb.connect()
    db.execute("CREATE TABLE days (customer_id BIGINT, day DATE, value BIGINT)")
    db.executemany("INSERT INTO days VALUES (?, ?, ?)", days)
    engine._rfm(db, TODAY, window)
    rows = db.execute(
        "SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, fm_score, rfm_segment "
        "FROM rfm JOIN rfm_segments USING (customer_id) ORDER BY customer_id"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_rfm_values_scores_and_segments_by_hand() -> None:
    result = _rfm_of(
        [
            (1, ago(100), 10_000),
            (2, ago(200), 20_000),
            (2, ago(50), 20_000),
            (3, ago(30), 30_000),
            (3, ago(20), 30_000),
            (3, ago(10), 30_000),
            (4, ago(400), 500_000),  # outside the 365-day window: F = 0, M = 0
            (5, ago(120), 50_000),
            (5, ago(80), 50_000),
            (5, ago(40), 50_000),
            (5, ago(5), 50_000),
        ]
    )
    # recency, frequency, monetary, R, F, M, FM, segment. Customer 4 has no purchase in the window:
    # 1/1/1, Lost. The other four are ranked among themselves: 1 + floor(5 x worse / 4).
    assert result == {
        1: (100, 1, 10_000, 1, 1, 1, 1, rfm.LOST),
        2: (50, 2, 40_000, 2, 2, 2, 2, rfm.ABOUT_TO_SLEEP),
        3: (10, 3, 90_000, 3, 3, 3, 3, rfm.NEED_ATTENTION),
        4: (400, 0, 0, 1, 1, 1, 1, rfm.LOST),
        5: (5, 4, 200_000, 4, 4, 4, 4, rfm.CHAMPIONS),
    }


def test_five_active_customers_spread_over_all_quintiles() -> None:
    result = _rfm_of([(n, ago(10 * (6 - n)), 1_000 * n) for n in range(1, 6)] + [(5, ago(200), 1)])
    # R from 50, 40, 30, 20, 10 days: 1..5; F: 1, 1, 1, 1, 2 -> ties at 1, customer 5 gets
    # 1 + floor(5 x 4 / 5) = 5; M 1,000 .. 5,001: 1..5.
    assert [result[n][3:7] for n in range(1, 6)] == [
        (1, 1, 1, 1),
        (2, 1, 2, 2),
        (3, 1, 3, 2),
        (4, 1, 4, 3),
        (5, 5, 5, 5),
    ]
    assert [result[n][7] for n in range(1, 6)] == [
        rfm.LOST,
        rfm.ABOUT_TO_SLEEP,
        rfm.ABOUT_TO_SLEEP,
        rfm.LOYAL,
        rfm.CHAMPIONS,
    ]


def test_ties_share_the_lower_quintile() -> None:
    # Ten customers, all bought 10 days ago (one R value for all), with 1,1,1,1,1,1,2,2,3,4 purchase
    # days. Score = 1 + floor(5 x customers with a strictly lower value / 10).
    days = []
    for customer, count in enumerate([1, 1, 1, 1, 1, 1, 2, 2, 3, 4], start=1):
        days += [(customer, ago(10 + 30 * n), 1_000) for n in range(count)]
    result = _rfm_of(days)
    # Equal recency: nobody is strictly worse, so all share the lowest R score.
    assert [result[c][3] for c in range(1, 11)] == [1] * 10
    assert [result[c][4] for c in range(1, 11)] == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert [result[c][5] for c in range(1, 11)] == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


def test_window_is_the_last_n_days_including_today() -> None:
    result = _rfm_of([(1, ago(29), 5_000), (1, ago(30), 7_000), (1, ago(31), 11_000)], window=30)
    # A 30-day window is today and the 29 days before it: 29 days ago is inside, 30 is not.
    assert result[1][1:3] == (1, 5_000)


def test_the_grid_has_every_segment_once_per_cell() -> None:
    assert len(rfm.GRID) == 25
    assert set(rfm.GRID.values()) == set(rfm.SEGMENTS)
    assert rfm.fm_score(4, 5) == 5 and rfm.fm_score(1, 2) == 2 and rfm.fm_score(3, 3) == 3
    assert rfm.segment_for(5, 1, 1) == rfm.NEW
    assert rfm.segment_for(4, 1, 1) == rfm.PROMISING
    assert rfm.segment_for(5, 2, 3) == rfm.POTENTIAL_LOYALIST
    assert rfm.segment_for(3, 5, 4) == rfm.LOYAL
    assert rfm.segment_for(2, 2, 2) == rfm.ABOUT_TO_SLEEP
    assert rfm.segment_for(2, 4, 3) == rfm.AT_RISK
    assert rfm.segment_for(1, 5, 5) == rfm.CANNOT_LOSE
    assert rfm.segment_for(1, 2, 1) == rfm.HIBERNATING
    assert rfm.segment_for(1, 1, 1) == rfm.LOST


# --- The whole refresh on a small shop ----------------------------------------------------------


@pytest.fixture
def shop(business: Business) -> dict:
    branch = business.branch_a
    cats = [Category.objects.create(name=f"Kategori {n}").pk for n in range(6)]
    Category.objects.create(name="Lama", is_active=False)
    c1, c2, c3, c4, c5 = factories.customers(5)
    factories.order(c1, ago(100), 10_000, branch=branch, categories=[cats[0]])
    # A fully refunded and a cancelled order are not purchases.
    factories.order(c1, ago(3), 99_000, branch=branch, status=Order.Status.REFUNDED, refunded=99_000)
    factories.order(c4, ago(2), 70_000, branch=branch, status=Order.Status.CANCELLED)
    factories.order(c2, ago(200), 20_000, branch=branch)
    # Partly refunded: counts, net of the refund.
    factories.order(c2, ago(50), 30_000, branch=branch, status=Order.Status.PARTLY_REFUNDED, refunded=10_000)
    factories.order(c3, ago(30), 30_000, branch=branch, categories=[cats[1]])
    factories.order(c3, ago(20), 30_000, branch=branch)
    factories.order(c3, ago(10), 30_000, branch=branch)
    factories.order(c4, ago(400), 500_000, branch=branch)
    factories.order(c5, ago(120), 50_000, branch=branch, categories=[cats[0], cats[1], cats[1], None])
    factories.order(c5, ago(80), 50_000, branch=branch, categories=[cats[2]])
    factories.order(c5, ago(40), 50_000, branch=branch)
    # Two orders on one day are one purchase day (20k + 30k).
    factories.order(c5, ago(5), 20_000, branch=branch)
    refunded_line = factories.order(c5, ago(5), 30_000, branch=branch, categories=[cats[3]])
    OrderLine.objects.filter(order=refunded_line).update(refunded_quantity=1)  # a wholly returned line
    # An order without a customer is ignored.
    Order.objects.create(number="ANON1", branch=branch, business_date=ago(1), total=5_000)
    # Referrals: c5 brought 2 friends, c3 brought 4 (capped at 3).
    members = {
        c.pk: Membership.objects.create(customer=c, number=f"M{c.pk}", referral_code=f"R{c.pk}") for c in (c3, c5)
    }
    friends = factories.customers(6, prefix="Teman")
    for n, friend in enumerate(friends):
        referee = Membership.objects.create(customer=friend, number=f"F{friend.pk}", referral_code=f"RF{friend.pk}")
        Referral.objects.create(referrer=members[c5.pk] if n < 2 else members[c3.pk], referee=referee)
    return {"c": [c1, c2, c3, c4, c5], "branch": branch, "cats": cats}


def _score(customer: Customer) -> CustomerScore:
    return CustomerScore.objects.get(customer=customer)


def test_refresh_scores_a_small_shop_by_hand(shop: dict, business: Business) -> None:
    champions = segment_create(
        actor=business.analyst,
        name="Champions",
        definition={
            "match": "all",
            "conditions": [{"field": "analytics.rfm_segment", "op": "any_of", "value": [rfm.CHAMPIONS]}],
        },
    )
    assert not segment_customer_ids(champions).exists()  # no scores yet
    result = engine.analytics_refresh(today=TODAY)
    assert result["figures"]["customers_scored"] == 5
    assert CustomerScore.objects.count() == 5  # friends have no purchase: no score
    s1, s2, s3, s4, s5 = (_score(c) for c in shop["c"])
    assert (s1.recency_days, s1.frequency, s1.monetary, s1.rfm_segment) == (100, 1, 10_000, rfm.LOST)
    assert (s2.recency_days, s2.frequency, s2.monetary, s2.rfm_segment) == (50, 2, 40_000, rfm.ABOUT_TO_SLEEP)
    assert (s3.recency_days, s3.frequency, s3.monetary, s3.rfm_segment) == (10, 3, 90_000, rfm.NEED_ATTENTION)
    assert (s4.recency_days, s4.frequency, s4.monetary, s4.rfm_segment) == (400, 0, 0, rfm.LOST)
    assert (s5.recency_days, s5.frequency, s5.monetary, s5.rfm_segment) == (5, 4, 200_000, rfm.CHAMPIONS)
    assert (s4.historic_value, s5.historic_value, s5.purchase_days) == (500_000, 200_000, 4)
    assert (s5.first_purchase, s5.last_purchase) == (ago(120), ago(5))
    # Too few customers for the lifetime value model: its fields stay empty and staying is not counted.
    assert s5.prob_alive is None and s5.predicted_value is None and s5.churn_risk is None
    assert result["figures"]["clv"] is None and "needs at least" in result["figures"]["clv_note"]
    assert not ClvFit.objects.exists()
    # Regularity: c5's gaps are 40, 40, 35 days -> CV = 2.357 / 38.33 -> 100 x (1 - 0.0615) = 94.
    # c3: gaps 10, 10 -> 100. Two purchase days or fewer -> 0.
    assert [s.loyalty_regularity for s in (s1, s2, s3, s4, s5)] == [0, 0, 100, 0, 94]
    # Breadth: 6 active categories, target min(6, 5) = 5; c5 bought 3 (the returned line's
    # category does not count), c3 and c1 one each.
    assert [s.categories_bought for s in (s1, s2, s3, s4, s5)] == [1, 0, 1, 0, 3]
    assert [s.loyalty_breadth for s in (s1, s2, s3, s4, s5)] == [20, 0, 20, 0, 60]
    # Referrals: 2 of 3 -> 67; 4 -> capped at 100.
    assert (s5.referrals_made, s5.loyalty_referrals, s3.referrals_made, s3.loyalty_referrals) == (2, 67, 4, 100)
    assert s5.loyalty_feedback == 0 and s5.loyalty_staying == 0
    # Index over the counted components (regularity 30, breadth 20, referrals 15):
    # c5 (30 x 94 + 20 x 60 + 15 x 67) / 65 = 77.3 -> 77; c3 (3000 + 400 + 1500) / 65 = 75.4 -> 75.
    assert (s5.loyalty_index, s3.loyalty_index, s1.loyalty_index, s4.loyalty_index) == (77, 75, 6, 0)
    assert result["figures"]["loyalty_weights"] == {"regularity": 30, "breadth": 20, "referrals": 15}
    assert (
        loyalty_index.index_from(
            {"regularity": 94, "feedback": 0, "breadth": 60, "staying": 0, "referrals": 67},
            result["figures"]["loyalty_weights"],
        )
        == 77
    )
    grid = {(cell["r"], cell["fm"]): (cell["customers"], cell["revenue"]) for cell in result["figures"]["grid"]}
    assert grid == {(1, 1): (2, 10_000), (2, 2): (1, 40_000), (3, 3): (1, 90_000), (4, 4): (1, 200_000)}
    segments = {row["segment"]: (row["customers"], row["revenue"]) for row in result["figures"]["segments"]}
    assert segments[rfm.LOST] == (2, 10_000) and segments[rfm.CHAMPIONS] == (1, 200_000)
    assert segments[rfm.LOYAL] == (0, 0)
    assert set(result["timings"]) == {
        "extract",
        "rfm",
        "clv_fit",
        "clv_predict",
        "loyalty",
        "cohorts",
        "rules",
        "snapshots",
        "write_back",
        "segments",
        "total",
    }
    # Dynamic segments are re-evaluated on the new scores at the end of the refresh.
    assert list(segment_customer_ids(champions)) == [shop["c"][4].pk]
    assert result["figures"]["segment_evaluation"]["segments"] == 1


def test_history_movement_and_the_incremental_extract(shop: dict) -> None:
    _c1, _c2, c3, c4, _c5 = shop["c"]
    # The orders were saved yesterday (outside the extract's 10-minute overlap).
    Order.objects.update(updated_at=timezone.now() - dt.timedelta(days=1))
    first = engine.analytics_refresh(today=TODAY)
    assert first["figures"]["extract"]["mode"] == "full"
    assert CustomerScoreSnapshot.objects.filter(date=TODAY).count() == 5
    # Everyone is newly scored: movement from "" (no previous score) to each segment.
    assert sorted((m["from"], m["to"], m["customers"]) for m in first["figures"]["movement"]) == [
        ("", rfm.ABOUT_TO_SLEEP, 1),
        ("", rfm.CHAMPIONS, 1),
        ("", rfm.LOST, 2),
        ("", rfm.NEED_ATTENTION, 1),
    ]
    # Nothing changed: the next refresh reads no order again and writes no history.
    again = engine.analytics_refresh(today=TODAY)
    assert again["figures"]["extract"]["mode"] == "incremental"
    assert again["figures"]["extract"]["changed_orders"] == 0
    assert again["figures"]["snapshots_written"] == 0
    assert all(m["from"] == m["to"] for m in again["figures"]["movement"])
    # c4 (lost) buys again tomorrow; c3's recent order is refunded in full.
    tomorrow = TODAY + dt.timedelta(days=1)
    factories.order(c4, tomorrow, 800_000, branch=shop["branch"])
    refunded = Order.objects.filter(customer=c3, business_date=ago(10)).get()
    refunded.status, refunded.refunded_total = Order.Status.REFUNDED, refunded.total
    refunded.save(update_fields=["status", "refunded_total", "updated_at"])
    later = engine.analytics_refresh(today=tomorrow)
    assert later["figures"]["extract"]["mode"] == "incremental"
    assert later["figures"]["extract"]["changed_orders"] == 2
    s3, s4 = _score(c3), _score(c4)
    assert (s3.recency_days, s3.frequency, s3.monetary) == (21, 2, 60_000)
    assert (s4.recency_days, s4.frequency, s4.monetary, s4.historic_value) == (0, 1, 800_000, 1_300_000)
    # Tomorrow five customers bought in the window. c4: R 5 (0 days), F 1 (ties with c1), M 5
    # (800,000, the most) -> FM (1 + 5 + 1) // 2 = 3 -> Potential Loyalist.
    assert (s4.r_score, s4.f_score, s4.m_score, s4.rfm_segment) == (5, 1, 5, rfm.POTENTIAL_LOYALIST)
    moved = {(m["from"], m["to"]): m["customers"] for m in later["figures"]["movement"]}
    assert moved[(rfm.LOST, rfm.POTENTIAL_LOYALIST)] == 1
    history = CustomerScoreSnapshot.objects.filter(customer=c4).order_by("date")
    assert list(history.values_list("date", "rfm_segment")) == [(TODAY, rfm.LOST), (tomorrow, s4.rfm_segment)]


def test_a_merge_forces_a_full_extract_and_moves_the_scores(shop: dict, business: Business) -> None:
    from setia.customers.merge import customers_merge

    c1, c2, *_rest = shop["c"]
    engine.analytics_refresh(today=TODAY)
    customers_merge(actor=business.owner, survivor=c1, merged=c2)
    assert AnalyticsSettings.objects.get(pk=1).full_extract_required
    assert not CustomerScore.objects.filter(customer=c2).exists()
    result = engine.analytics_refresh(today=TODAY)
    assert result["figures"]["extract"]["mode"] == "full"
    s1 = _score(c1)
    assert (s1.frequency, s1.monetary, s1.purchase_days) == (3, 50_000, 3)
    assert not CustomerScore.objects.filter(customer=c2).exists()


def test_a_deleted_order_is_noticed_by_the_count_check(shop: dict) -> None:
    c1 = shop["c"][0]
    engine.analytics_refresh(today=TODAY)
    Order.objects.filter(customer=c1, status=Order.Status.FULFILLED).delete()
    result = engine.analytics_refresh(today=TODAY)
    assert result["figures"]["extract"]["mode"] == "full"
    assert not CustomerScore.objects.filter(customer=c1).exists()  # no purchase any more: no score


def test_history_is_daily_for_90_days_then_monthly(shop: dict) -> None:
    customer = shop["c"][0]
    for day in ["2026-01-05", "2026-01-20", "2026-02-10", "2026-02-11", "2026-04-10", "2026-04-20", "2026-06-01"]:
        CustomerScoreSnapshot.objects.create(
            customer=customer,
            date=dt.date.fromisoformat(day),
            rfm_segment=rfm.LOST,
            r_score=1,
            f_score=1,
            m_score=1,
            loyalty_index=0,
            predicted_value=0,
        )
    # Cut-off 90 days before 2026-06-30 is 2026-04-01: before it, only each month's last row stays.
    deleted = engine.snapshots_prune(today=TODAY)
    kept = [
        str(d)
        for d in CustomerScoreSnapshot.objects.filter(customer=customer).order_by("date").values_list("date", flat=True)
    ]
    assert deleted == 2
    assert kept == ["2026-01-20", "2026-02-11", "2026-04-10", "2026-04-20", "2026-06-01"]


def test_a_run_records_progress_figures_and_timings(shop: dict) -> None:
    run = AnalyticsRun.objects.create()
    engine.analytics_run_execute(run.pk, today=TODAY)
    run.refresh_from_db()
    assert (run.status, run.progress, run.step) == (AnalyticsRun.Status.DONE, 100, "done")
    assert run.figures["customers_scored"] == 5 and run.timings["total"] > 0
    assert run.started_at and run.finished_at and run.finished_at >= run.started_at
    # Executing it again does nothing: only a queued run starts.
    again = engine.analytics_run_execute(run.pk, today=TODAY)
    assert again.finished_at == run.finished_at


def test_a_segments_churn_risk_leaves_one_time_buyers_out() -> None:
    """BG/NBD gives a one-time buyer a churn risk of 0 (no rhythm to judge by): the segment's
    average is over its customers who bought on more than one day, and none without them."""
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE scores (rfm_segment TEXT, monetary BIGINT, historic_value BIGINT, predicted_value BIGINT, "
        "churn_risk DOUBLE, loyalty_index DOUBLE, purchase_days INTEGER)"
    )
    db.execute(
        "INSERT INTO scores VALUES (?, 0, 100, 10, 0.0, 10, 1), (?, 0, 100, 10, 0.0, 10, 1), "
        "(?, 0, 300, 30, 0.9, 40, 3), (?, 0, 200, 20, 0.5, 30, 2), (?, 0, 100, 10, 0.0, 5, 1)",
        [rfm.LOST, rfm.LOST, rfm.LOST, rfm.AT_RISK, rfm.HIBERNATING],
    )
    segments = {row["segment"]: row for row in engine._segments(db)}
    assert (segments[rfm.LOST]["customers"], segments[rfm.LOST]["churn_risk"]) == (3, 0.9)  # not 0.3
    assert segments[rfm.AT_RISK]["churn_risk"] == 0.5
    assert segments[rfm.HIBERNATING]["churn_risk"] is None  # one-time buyers only
    assert segments[rfm.LOST]["loyalty_index"] == 20.0  # the other averages keep everyone
