"""Lifetime value: the standard definitions on a tiny dataset by hand, the `clv_fit` command's
JSON, the week unit, and the refresh's predictions checked against the library directly."""

import datetime as dt
import io
import json
import random

import duckdb
import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from setia.analytics.models import AnalyticsSettings, ClvFit, CustomerScore
from setia.analytics.services import clv, engine
from setia.analytics.tests import factories
from setia.conftest import Business

D0 = dt.date(2026, 1, 5)
TODAY = dt.date(2026, 6, 30)


def test_frequency_recency_t_and_spend_by_hand() -> None:
    db = duckdb.connect()
    db.execute("CREATE TABLE days (customer_id BIGINT, day DATE, value BIGINT)")
    rows = [
        (1, D0, 15_000),  # two orders on one day (10k + 5k) are one purchase day
        (1, D0 + dt.timedelta(days=7), 20_000),
        (1, D0 + dt.timedelta(days=21), 40_000),
        (1, D0 + dt.timedelta(days=40), 99_000),  # after the calibration end: not counted
        (2, D0 + dt.timedelta(days=3), 8_000),
        (3, D0 + dt.timedelta(days=30), 5_000),  # first purchase after the end: not a customer yet
    ]
    db.executemany("INSERT INTO days VALUES (?, ?, ?)", rows)
    end = D0 + dt.timedelta(days=28)
    by_day = db.execute(clv.summary_sql(end, "day") + " ORDER BY customer_id").fetchall()
    assert [row[:5] for row in by_day] == [(1, 2, 21.0, 28.0, 30_000.0), (2, 0, 0.0, 25.0, 0.0)]
    by_week = db.execute(clv.summary_sql(end, "week") + " ORDER BY customer_id").fetchall()
    assert [row[:4] for row in by_week] == [(1, 2, 3.0, 4.0), (2, 0, 0.0, pytest.approx(25 / 7))]


def test_same_day_orders_are_one_purchase_day_from_the_database(business: Business) -> None:
    from setia.analytics.services import extract

    (customer,) = factories.customers(1)
    factories.order(customer, D0, 10_000, branch=business.branch_a)
    factories.order(customer, D0, 5_000, branch=business.branch_a)
    extract.extract()
    db = duckdb.connect()
    engine._load_days(db, TODAY)
    assert db.execute("SELECT customer_id, day, value FROM days").fetchall() == [(customer.pk, D0, 15_000)]


def simulate(count: int = 60, seed: int = 7) -> list[tuple[int, dt.date]]:
    """Purchase days of `count` customers drawn the way BG/NBD assumes (a gamma-distributed buying
    rate, a beta-distributed chance of leaving after each purchase), seeded so they never change."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        day = TODAY - dt.timedelta(days=360 - rng.randint(0, 150))
        rate, leave = rng.gammavariate(0.9, 1 / 25), rng.betavariate(1.2, 4)
        rows.append((n, day))
        while rng.random() >= leave:
            day += dt.timedelta(days=max(1, round(rng.expovariate(rate))))
            if day > TODAY:
                break
            rows.append((n, day))
    return rows


@pytest.fixture
def regulars(business: Business) -> list:
    """60 simulated customers; customer n spends 50,000 + 1,000 n on every purchase."""
    made = factories.customers(60)
    rows = [(made[n].pk, day, 50_000 + 1_000 * n) for n, day in simulate()]
    factories.bulk_orders(rows, branch=business.branch_a)
    return made


def _fit_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("clv_fit", *args, "--json", stdout=out)
    text = out.getvalue()
    assert text.count("\n") <= 1  # one JSON object, nothing else
    return json.loads(text)


def test_clv_fit_command_prints_one_json_object(regulars: list) -> None:
    end = (TODAY - dt.timedelta(days=60)).isoformat()
    by_day = _fit_json("--calibration-end", end)
    assert {"r", "alpha", "a", "b", "p", "q", "v", "customers", "repeat_customers"} <= set(by_day)
    assert by_day["time_unit"] == "day" and by_day["calibration_end"] == end
    # Every simulated customer's first purchase is at least 210 days before TODAY.
    assert by_day["customers"] == 60
    assert by_day["v"] > 1_000  # Rupiah, not a rescaled unit
    by_week = _fit_json("--calibration-end", end, "--time-unit", "week")
    # Weeks are days / 7: the shape parameters stay, alpha (a time scale) divides by 7.
    for name in ("r", "a", "b", "p", "q", "v"):
        assert by_week[name] == pytest.approx(by_day[name], rel=2e-2), name
    assert by_week["alpha"] == pytest.approx(by_day["alpha"] / 7, rel=2e-2)


def test_clv_fit_command_refuses_bad_input(regulars: list) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("clv_fit", "--calibration-end", "30-06-2026", "--json", stdout=io.StringIO())
    with pytest.raises(CommandError, match="needs at least"):
        call_command("clv_fit", "--calibration-end", "2025-01-01", "--json", stdout=io.StringIO())


def test_refresh_predictions_match_the_library(regulars: list) -> None:
    result = engine.analytics_refresh(today=TODAY)
    fit = ClvFit.objects.get()
    assert fit.calibration_end == TODAY - dt.timedelta(days=90) and fit.time_unit == "day"
    assert fit.holdout_days == 90 and result["figures"]["clv"]["customers"] == fit.customers
    quality = fit.quality
    assert quality["holdout_start"] == (fit.calibration_end + dt.timedelta(days=1)).isoformat()
    assert sum(row["customers"] for row in quality["by_frequency"]) == fit.customers
    bgf = clv._lifetimes().BetaGeoFitter()
    bgf.params_ = pd.Series({"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b})
    assert fit.p is not None and fit.q is not None and fit.v is not None
    for customer in regulars[:10]:
        score = CustomerScore.objects.get(customer=customer)
        x = score.purchase_days - 1
        t_x = (score.last_purchase - score.first_purchase).days
        t = (TODAY - score.first_purchase).days
        alive = float(np.asarray(bgf.conditional_probability_alive(x, t_x, t)).reshape(-1)[0])
        purchases = float(bgf.conditional_expected_number_of_purchases_up_to_time(365, x, t_x, t))
        assert score.prob_alive == pytest.approx(alive, rel=1e-6)
        assert score.churn_risk == pytest.approx(1 - alive, abs=1e-9)
        assert score.loyalty_staying == int(100 * alive + 0.5)
        assert score.predicted_purchases == pytest.approx(purchases, rel=1e-6)
        repeat_mean = (score.historic_value - (50_000 + 1_000 * regulars.index(customer))) / x if x else 0
        weight = fit.p * x / (fit.p * x + fit.q - 1)
        per_purchase = (1 - weight) * fit.v * fit.p / (fit.q - 1) + weight * repeat_mean
        assert score.predicted_value == round(purchases * per_purchase)
    # Staying counts now: weights regularity 30, staying 25, referrals 15 (no categories in this shop).
    assert result["figures"]["loyalty_weights"] == {"regularity": 30, "staying": 25, "referrals": 15}


def test_holdout_zero_fits_on_everything(regulars: list) -> None:
    AnalyticsSettings.objects.update_or_create(pk=1, defaults={"clv_holdout_days": 0, "clv_time_unit": "week"})
    engine.analytics_refresh(today=TODAY)
    fit = ClvFit.objects.get()
    assert (fit.calibration_end, fit.time_unit, fit.quality) == (TODAY, "week", {})


def test_a_warm_start_lands_on_the_same_parameters(regulars: list) -> None:
    engine.analytics_refresh(today=TODAY)
    engine.analytics_refresh(today=TODAY)  # starts the optimiser at the first fit's parameters
    first, second = ClvFit.objects.order_by("pk")
    for name in ("r", "alpha", "a", "b", "p", "q", "v"):
        assert getattr(second, name) == pytest.approx(getattr(first, name), rel=1e-3), name
