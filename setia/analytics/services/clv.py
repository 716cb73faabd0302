"""Customer lifetime value: BG/NBD (purchase frequency and probability alive) with Gamma-Gamma
(spend per purchase), fitted with the `lifetimes` library (docs/adr/0012-clv-library.md).

Definitions (the standard ones of Fader, Hardie and Lee):
- a *purchase day* is a day with at least one paid purchase; purchases on the same day count as
  one, with their net values added up;
- for a calibration window ending on `calibration_end` (inclusive), a customer whose first purchase
  day is on or before it has: frequency x = purchase days in the window after the first one;
  recency t_x = last - first purchase day; T = calibration end - first purchase day; t_x and T in
  the time unit (day, or week = days / 7 — not calendar weeks);
- Gamma-Gamma's monetary value = the mean value of the repeat purchase days (the first day left
  out), for customers with x ≥ 1 only.

Fitting is on the distinct (x, t_x, T) triples with their counts as weights, which gives the same
likelihood as one row per customer in far less time. The penalizer stays 0: a small one moved mean
CLV by 20% in a trial here. The Gamma-Gamma fit runs on spend divided by the median spend (v is a
scale parameter, so v in Rupiah is the fitted v times that median; p and q are unchanged) — the
optimiser starts at 1 and Rupiah amounts are in the hundreds of thousands.
"""

import contextlib
import datetime as dt
import io
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 5
HORIZON_DAYS = 365
QUALITY_MAX_FREQUENCY = 7  # hold-out chart groups customers by calibration frequency 0..7+
SAMPLE_CUSTOMERS = 50_000  # above twice this, a first fit starts from a sample's parameters


class ClvNotFitted(Exception):
    """Too little data, or the optimiser did not converge. `reason` says which, for the page to
    explain in the reader's language; the message is the technical detail (logs, the command)."""

    def __init__(self, message: str, *, reason: str, customers: int = 0, repeat_customers: int = 0) -> None:
        super().__init__(message)
        self.reason = reason  # "too_little_data" or "no_convergence"
        self.customers = customers
        self.repeat_customers = repeat_customers

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "customers": self.customers,
            "repeat_customers": self.repeat_customers,
            "min_customers": MIN_CUSTOMERS,
            "min_repeat_customers": MIN_REPEAT_CUSTOMERS,
            "detail": str(self),
        }


@dataclass
class ClvParameters:
    calibration_start: dt.date | None
    calibration_end: dt.date
    time_unit: str
    customers: int
    repeat_customers: int
    r: float
    alpha: float
    a: float
    b: float
    p: float | None = None
    q: float | None = None
    v: float | None = None  # Rupiah
    quality: dict[str, Any] = field(default_factory=dict)
    spend_problem: str | None = None  # why Gamma-Gamma could not be fitted
    models: Any = None  # (BetaGeoFitter, GammaGammaFitter | None)
    summary: str | None = None  # the DuckDB table of the calibration summary that `fit` made

    def as_dict(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "repeat_customers": self.repeat_customers,
            "calibration_start": self.calibration_start.isoformat() if self.calibration_start else None,
            "calibration_end": self.calibration_end.isoformat(),
            "time_unit": self.time_unit,
            "r": self.r,
            "alpha": self.alpha,
            "a": self.a,
            "b": self.b,
            "p": self.p,
            "q": self.q,
            "v": self.v,
            "spend_problem": self.spend_problem,
        }


def unit_days(time_unit: str) -> float:
    if time_unit not in ("day", "week"):
        raise ValueError(time_unit)
    return 7.0 if time_unit == "week" else 1.0


def summary_sql(calibration_end: dt.date, time_unit: str) -> str:
    """Per-customer x, t_x, T and repeat-day mean value from the `days` table (customer_id, day,
    value), for the calibration window ending on `calibration_end`."""
    divisor = unit_days(time_unit)
    end = f"DATE '{calibration_end.isoformat()}'"
    return f"""
        SELECT customer_id,
               COUNT(*) - 1 AS frequency,
               (MAX(day) - MIN(day)) / {divisor} AS recency,
               ({end} - MIN(day)) / {divisor} AS t,
               COALESCE((SUM(value) - ARG_MIN(value, day)) / NULLIF(COUNT(*) - 1, 0), 0)::DOUBLE AS monetary,
               MIN(day) AS first_day
        FROM days WHERE day <= {end}
        GROUP BY customer_id
    """


def _fit(fitter: Any, parameters: int, *args: Any, warm: list[float] | None = None, **kwargs: Any) -> str | None:
    """Fit, trying further starting points if one does not converge. The optimiser works on the
    logarithms of the parameters, in the fitter's own units (BG/NBD: time scaled so that the
    largest T is 1, see `_bgnbd_start`). `warm` (parameters near the optimum) goes first: the
    optimum is the same, it is only reached in fewer steps. Then lifetimes' own start
    (log-parameters 0.1), then log-parameters 1, which converges on small or unusual data sets
    (little difference between customers) where lifetimes' does not. Returns the problem, if none
    converged."""
    problem = ""
    starts: list[Any] = [None, np.ones(parameters)]
    if warm and all(value > 0 for value in warm):
        starts.insert(0, np.log(np.asarray(warm, dtype=float)))
    for start in starts:
        try:
            with _quiet():
                fitter.fit(*args, initial_params=start, **kwargs)
        except Exception as error:  # noqa: BLE001 - ConvergenceError, ValueError, numpy errors: reported
            problem = " ".join(str(error).split()) or type(error).__name__
        else:
            return None
    return problem


def _bgnbd_start(values: list[float] | None, t: np.ndarray) -> list[float] | None:
    """BG/NBD's (r, alpha, a, b) as the optimiser's starting point: lifetimes fits with time scaled
    by 1 / max(T) (`lifetimes.utils._scale_time`) and scales alpha back afterwards, so the start's
    alpha is scaled the same way."""
    if values is None or not len(t) or float(t.max()) <= 0:
        return values
    r, alpha, a, b = values
    return [r, alpha / float(t.max()), a, b]


def _sample_start(db: duckdb.DuckDBPyConnection, lifetimes: Any, summary: str, customers: int) -> list[float] | None:
    """BG/NBD's parameters fitted on a sample of about SAMPLE_CUSTOMERS customers (every k-th
    customer id), used only as the starting point of the fit on every customer when there is no
    earlier fit: BFGS then needs about half the steps over all the data. The result is the fit on
    every customer all the same (the optimum does not depend on where the optimiser starts)."""
    step = customers // SAMPLE_CUSTOMERS
    if step < 2:
        return None
    triples = db.execute(
        f"SELECT frequency, recency, t, COUNT(*) AS n FROM {summary} WHERE customer_id % {step} = 0 "
        "GROUP BY ALL ORDER BY ALL"
    ).df()
    sample = lifetimes.BetaGeoFitter(penalizer_coef=0.0)
    if _fit(sample, 4, *_columns(triples, "frequency", "recency", "t"), weights=triples["n"].to_numpy(float)):
        return None
    params = sample.params_
    return [float(params[name]) for name in ("r", "alpha", "a", "b")]


def _columns(frame: pd.DataFrame, *names: str) -> list[np.ndarray]:
    return [frame[name].to_numpy(float) for name in names]


def _values(previous: Mapping[str, Any], *names: str) -> list[float] | None:
    """The named parameters of an earlier fit, or None if it lacks one."""
    values = [previous.get(name) for name in names]
    return None if None in values else [float(value) for value in values if value is not None]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """lifetimes warns freely and prints scipy's result to stdout when a fit fails (which would
    break `clv_fit --json`); the failure itself is raised and handled."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def load_library() -> None:
    """Import the model library ahead of its first use."""
    _lifetimes()


def _lifetimes() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes

    return lifetimes


def fit(
    db: duckdb.DuckDBPyConnection,
    *,
    calibration_end: dt.date,
    time_unit: str,
    previous: Mapping[str, Any] | None = None,
) -> ClvParameters:
    """Fit BG/NBD and Gamma-Gamma on the purchase days up to `calibration_end`. `previous` (r, alpha,
    a, b, p, q, v of an earlier fit in the same time unit) only speeds the optimiser up."""
    previous = previous or {}
    lifetimes = _lifetimes()
    # The calibration summary is read four times below: computed once.
    db.execute(f"CREATE OR REPLACE TEMP TABLE clv_calibration AS {summary_sql(calibration_end, time_unit)}")
    summary = "clv_calibration"
    # fetchall, not fetchone: DuckDB refuses new work while a result is not read to the end.
    counts = db.execute(
        f"SELECT COUNT(*), COUNT(*) FILTER (WHERE frequency > 0), MIN(first_day) FROM {summary}"
    ).fetchall()[0]
    customers, repeat_customers, first_day = int(counts[0]), int(counts[1]), counts[2]
    if customers < MIN_CUSTOMERS or repeat_customers < MIN_REPEAT_CUSTOMERS:
        raise ClvNotFitted(
            f"{customers} customers and {repeat_customers} with a repeat purchase up to {calibration_end}; "
            f"the model needs at least {MIN_CUSTOMERS} and {MIN_REPEAT_CUSTOMERS}",
            reason="too_little_data",
            customers=customers,
            repeat_customers=repeat_customers,
        )
    triples = db.execute(f"SELECT frequency, recency, t, COUNT(*) AS n FROM {summary} GROUP BY ALL ORDER BY ALL").df()
    frequency, recency, t = _columns(triples, "frequency", "recency", "t")
    warm = _values(previous, "r", "alpha", "a", "b") or _sample_start(db, lifetimes, summary, customers)
    bgf = lifetimes.BetaGeoFitter(penalizer_coef=0.0)
    problem = _fit(bgf, 4, frequency, recency, t, weights=triples["n"].to_numpy(float), warm=_bgnbd_start(warm, t))
    if problem is not None:
        raise ClvNotFitted(
            f"BG/NBD did not converge: {problem}",
            reason="no_convergence",
            customers=customers,
            repeat_customers=repeat_customers,
        )
    params = bgf.params_
    result = ClvParameters(
        calibration_start=first_day,
        calibration_end=calibration_end,
        time_unit=time_unit,
        customers=customers,
        repeat_customers=repeat_customers,
        r=float(params["r"]),
        alpha=float(params["alpha"]),
        a=float(params["a"]),
        b=float(params["b"]),
    )
    spend = db.execute(f"SELECT frequency, monetary FROM {summary} WHERE frequency > 0 AND monetary > 0").df()
    ggf = None
    if len(spend) >= MIN_REPEAT_CUSTOMERS:
        scale = float(np.median(spend["monetary"]))
        ggf = lifetimes.GammaGammaFitter(penalizer_coef=0.0)
        # A failed spend model still leaves the purchase model usable: values stay empty.
        warm = _values(previous, "p", "q", "v")
        result.spend_problem = _fit(
            ggf,
            3,
            spend["frequency"].to_numpy(float),
            spend["monetary"].to_numpy(float) / scale,
            warm=[warm[0], warm[1], warm[2] / scale] if warm else None,
        )
        if result.spend_problem is not None:
            ggf = None
        else:
            gg = ggf.params_
            result.p, result.q, result.v = float(gg["p"]), float(gg["q"]), float(gg["v"]) * scale
            ggf.params_ = pd.Series({"p": result.p, "q": result.q, "v": result.v})
    result.models = (bgf, ggf)
    result.summary = summary
    return result


def holdout_quality(db: duckdb.DuckDBPyConnection, fitted: ClvParameters, *, holdout_end: dt.date) -> dict[str, Any]:
    """Predicted vs actual repeat purchase days in (calibration end, holdout end], grouped by the
    customers' calibration frequency (0..7+): the classic conditional-expectation check."""
    bgf, _ggf = fitted.models
    end = fitted.calibration_end
    length = (holdout_end - end).days / unit_days(fitted.time_unit)
    summary = fitted.summary or f"({summary_sql(end, fitted.time_unit)})"
    rows = db.execute(
        f"""
        WITH s AS (SELECT * FROM {summary}),
        h AS (SELECT customer_id, COUNT(*) AS actual FROM days
              WHERE day > DATE '{end.isoformat()}' AND day <= DATE '{holdout_end.isoformat()}' GROUP BY 1)
        SELECT LEAST(s.frequency, {QUALITY_MAX_FREQUENCY}) AS bucket, s.frequency, s.recency, s.t,
               COUNT(*) AS n, SUM(COALESCE(h.actual, 0)) AS actual
        FROM s LEFT JOIN h USING (customer_id) GROUP BY ALL
        """
    ).df()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = bgf.conditional_expected_number_of_purchases_up_to_time(
            length, rows["frequency"].to_numpy(float), rows["recency"].to_numpy(float), rows["t"].to_numpy(float)
        )
    rows["predicted"] = np.asarray(expected, dtype=float) * rows["n"]
    grouped = rows.groupby("bucket").agg(
        customers=("n", "sum"), actual=("actual", "sum"), predicted=("predicted", "sum")
    )
    buckets = [
        {
            "frequency": int(bucket),
            "label": f"{int(bucket)}+" if bucket == QUALITY_MAX_FREQUENCY else str(int(bucket)),
            "customers": int(row.customers),
            "actual": round(float(row.actual) / row.customers, 4),
            "predicted": round(float(row.predicted) / row.customers, 4),
        }
        for bucket, row in grouped.iterrows()
    ]
    actual, predicted = float(rows["actual"].sum()), float(rows["predicted"].sum())
    return {
        "holdout_start": (end + dt.timedelta(days=1)).isoformat(),
        "holdout_end": holdout_end.isoformat(),
        "actual_repeat_purchases": int(actual),
        "predicted_repeat_purchases": round(predicted, 1),
        "error_percent": round(100 * (predicted - actual) / actual, 1) if actual else None,
        "by_frequency": buckets,
    }


def predict(db: duckdb.DuckDBPyConnection, fitted: ClvParameters, *, today: dt.date) -> None:
    """Create the DuckDB table `clv(customer_id, predicted_purchases, prob_alive, predicted_value)`
    for every customer with a purchase up to `today`, from the full history: the next
    HORIZON_DAYS days' expected purchase days, the probability of still being a customer, and
    12-month value = expected purchases x Gamma-Gamma's expected value per purchase (not discounted)."""
    bgf, ggf = fitted.models
    horizon = HORIZON_DAYS / unit_days(fitted.time_unit)
    summary = summary_sql(today, fitted.time_unit)
    db.execute(f"CREATE OR REPLACE TEMP TABLE clv_summary AS {summary}")
    triples = db.execute("SELECT DISTINCT frequency, recency, t FROM clv_summary").df()
    f, r, t = (triples[name].to_numpy(float) for name in ("frequency", "recency", "t"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        triples["predicted_purchases"] = np.asarray(
            bgf.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t), dtype=float
        )
        triples["prob_alive"] = np.clip(np.asarray(bgf.conditional_probability_alive(f, r, t), dtype=float), 0, 1)
    db.register("clv_triples", triples)
    db.execute(
        """CREATE OR REPLACE TEMP TABLE clv_base AS
           SELECT s.customer_id, s.frequency, s.monetary, c.predicted_purchases, c.prob_alive
           FROM clv_summary s JOIN clv_triples c USING (frequency, recency, t)"""
    )
    db.unregister("clv_triples")
    base = db.execute("SELECT customer_id, frequency, monetary FROM clv_base").df()
    if ggf is not None and fitted.p is not None and fitted.q is not None and fitted.v is not None:
        p, q, v = fitted.p, fitted.q, fitted.v
        x, z = base["frequency"].to_numpy(float), base["monetary"].to_numpy(float)
        weight = p * x / (p * x + q - 1)
        base["value_per_purchase"] = (1 - weight) * (v * p / (q - 1)) + weight * z
    else:
        base["value_per_purchase"] = np.nan
    db.register("clv_values", base[["customer_id", "value_per_purchase"]])
    db.execute(
        """CREATE OR REPLACE TEMP TABLE clv AS
           SELECT b.customer_id, b.predicted_purchases, b.prob_alive,
                  CAST(ROUND(b.predicted_purchases * v.value_per_purchase) AS BIGINT) AS predicted_value
           FROM clv_base b JOIN clv_values v USING (customer_id)"""
    )
    db.unregister("clv_values")
