"""The analytics refresh: extract purchases to Parquet, compute every score in DuckDB, write the
per-customer results back in bulk, record the history and the run's figures.

Steps (timed one by one in `AnalyticsRun.timings`):
1. extract — the incremental columnar copy (services/extract.py);
2. rfm — purchase days, recency/frequency/monetary, quintile scores, segments (setia/analytics/rfm.py);
3. clv_fit — BG/NBD + Gamma-Gamma on the calibration window, with the hold-out check (services/clv.py);
4. clv_predict — expected purchases, probability alive and 12-month value for every customer;
5. loyalty — the loyalty index and its components (setia/analytics/loyalty_index.py);
6. cohorts — monthly acquisition cohorts of the last 12 months: size, and per month since the
   first purchase the customers who bought and their revenue (`_cohorts`);
   rules — the cross-sell rules (bought together, bought later) and the cross-/up-sell ratios of
   the RFM window (services/rules.py);
7. write_back — every CustomerScore row replaced in one transaction, so customers with no
   purchase any more lose their row, and history rows upserted. Outside a transaction and for
   100,000 rows or more, through ADBC (docs/adr/0014-adbc-analytics-io.md; PostgreSQL: TRUNCATE
   and binary COPY, COPY into a temporary table + INSERT … ON CONFLICT; SQLite, in a child
   process: DELETE and a bulk insert, a temporary table + INSERT … ON CONFLICT); otherwise through
   Django's connection (PostgreSQL: CSV COPY into a temporary table, then TRUNCATE and INSERT …
   SELECT, or INSERT … ON CONFLICT; SQLite: DELETE and executemany, or an executemany upsert). The
   rules are replaced through Django's connection. PostgreSQL then analyses both tables;
8. snapshots — a history row for every customer whose segment or scores changed, the movement
   between segments since the previous refresh, and the thinning of old history.

Only purchases up to `today` count. Figures the analytics page shows (the RFM grid, segment sizes,
movement, the fit) are stored on the run, so the page never aggregates millions of rows.
"""

import datetime as dt
import fcntl
import io
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from setia.analytics import loyalty_index, rfm
from setia.analytics.models import (
    AnalyticsRun,
    AnalyticsSettings,
    AssociationRule,
    ClvFit,
    CustomerScore,
    CustomerScoreSnapshot,
)
from setia.analytics.services import clv, extract, rules
from setia.catalog.models import Category
from setia.core.bulk import refresh_statistics
from setia.core.errors import ApplicationError
from setia.loyalty.models import Referral

Progress = Callable[[int, str], None]
DAILY_HISTORY_DAYS = 90

SCORE_COLUMNS = [
    "customer_id",
    "first_purchase",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "fm_score",
    "rfm_segment",
    "historic_value",
    "predicted_purchases",
    "prob_alive",
    "churn_risk",
    "predicted_value",
    "loyalty_index",
    "loyalty_regularity",
    "loyalty_feedback",
    "loyalty_breadth",
    "loyalty_staying",
    "loyalty_referrals",
    "purchase_days",
    "categories_bought",
    "referrals_made",
    "computed_at",
]
SNAPSHOT_COLUMNS = [
    "customer_id",
    "date",
    "rfm_segment",
    "r_score",
    "f_score",
    "m_score",
    "loyalty_index",
    "predicted_value",
]


@contextmanager
def refresh_lock() -> Iterator[None]:
    """One refresh at a time per installation (the Parquet copy is rewritten in place)."""
    with open(extract.analytics_dir() / "refresh.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ApplicationError("An analytics refresh is already running.") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Steps:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, start: int) -> Iterator[None]:
        if self.progress:
            self.progress(start, name)
        began = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - began, 3)


def analytics_refresh(
    *, progress: Progress | None = None, today: dt.date | None = None, full_extract: bool = False
) -> dict[str, Any]:
    """Recompute every customer's scores. Returns the figures and step timings."""
    today = today or timezone.localdate()
    options, _created = AnalyticsSettings.objects.get_or_create(pk=1)
    steps = _Steps(progress)
    began = time.perf_counter()
    with refresh_lock():
        # The model library takes a second or more to import: done while the extract waits on
        # the database (a later import waits for this one to finish).
        threading.Thread(target=clv.load_library, daemon=True).start()
        db = duckdb.connect()
        try:
            db.execute("SET threads TO 2")
            with steps.step("extract", 2):
                extracted = extract.extract(full=full_extract)
                _load_days(db, today)
            with steps.step("rfm", 30):
                _rfm(db, today, options.rfm_window_days)
            with steps.step("clv_fit", 40):
                fitted, fit_note = _fit(db, today, options)
            with steps.step("clv_predict", 55):
                if fitted is not None:
                    clv.predict(db, fitted, today=today)
            with steps.step("loyalty", 65):
                active = _loyalty(db, fitted is not None)
            with steps.step("cohorts", 68):
                cohorts = _cohorts(db, today)
            with steps.step("rules", 70):
                window_start = today - dt.timedelta(days=options.rfm_window_days - 1)
                rule_table = rules.association_rules(
                    db,
                    start=window_start,
                    end=today,
                    min_count=options.rules_min_count,
                    min_confidence=options.rules_min_confidence / 100,
                    purchases="purchases",
                )
                ratios = rules.ratios(db, start=window_start, end=today, purchases="purchases")
                db.execute("DROP TABLE purchases")
            with steps.step("snapshots", 72):
                previous = extract._read(
                    f"SELECT customer_id, r_score, f_score, m_score, loyalty_index, rfm_segment "
                    f"FROM {CustomerScore._meta.db_table}",
                    [],
                    pa.schema(
                        [
                            ("customer_id", pa.int64()),
                            ("r_score", pa.int64()),
                            ("f_score", pa.int64()),
                            ("m_score", pa.int64()),
                            ("loyalty_index", pa.int64()),
                            ("rfm_segment", pa.string()),
                        ]
                    ),
                    bulk=CustomerScore.objects.count() >= extract.ADBC_MIN_ROWS,
                )
                db.register("previous", previous)
                movement = _movement(db)
            with steps.step("write_back", 80):
                computed_at = timezone.now()
                with ThreadPoolExecutor(max_workers=1) as pool:
                    # PostgreSQL writes the scores and the history at the same time (two
                    # connections); SQLite has one writer at a time.
                    scored, pending = _write_scores(db, computed_at, pool)
                    snapshots = _write_snapshots(db, today)
                    if pending is not None:
                        pending.result()
                with transaction.atomic():
                    _replace_all(AssociationRule, rules.RULE_COLUMNS, rule_table)
                if connection.vendor == "postgresql":
                    # A million rows replaced: until autovacuum gets to them the planner would plan
                    # the segment evaluation and the pages on the old counts (measured: a nested
                    # loop over 100,000 by 100,000 rows instead of a hash join).
                    refresh_statistics(CustomerScore, CustomerScoreSnapshot)
                pruned = snapshots_prune(today=today)
            figures = {
                "today": today.isoformat(),
                "extract": {
                    "mode": extracted.mode,
                    "orders": extracted.orders,
                    "lines": extracted.lines,
                    "changed_orders": extracted.changed_orders,
                },
                "customers_scored": scored,
                "rfm_window_days": options.rfm_window_days,
                "grid": _grid(db),
                "segments": _segments(db),
                "movement": movement,
                "cohorts": cohorts,
                "rules": {
                    "basket": _count_kind(rule_table, "basket"),
                    "sequence": _count_kind(rule_table, "sequence"),
                },
                "ratios": ratios,
                "snapshots_written": snapshots,
                "snapshots_pruned": pruned,
                "loyalty_weights": active,
                "loyalty_average": _scalar(db, "SELECT ROUND(AVG(loyalty_index), 1) FROM scores"),
                "clv": fitted.as_dict() if fitted else None,
                "clv_note": fit_note["detail"] if fit_note else "",
                "clv_not_fitted": fit_note or None,
                "fit_id": None,
            }
            if fitted is not None:
                fit_row = ClvFit.objects.create(
                    calibration_start=fitted.calibration_start,
                    calibration_end=fitted.calibration_end,
                    time_unit=fitted.time_unit,
                    holdout_days=options.clv_holdout_days,
                    r=fitted.r,
                    alpha=fitted.alpha,
                    a=fitted.a,
                    b=fitted.b,
                    p=fitted.p,
                    q=fitted.q,
                    v=fitted.v,
                    customers=fitted.customers,
                    repeat_customers=fitted.repeat_customers,
                    quality=fitted.quality,
                )
                figures["fit_id"] = fit_row.pk
            with steps.step("segments", 95):
                # Dynamic segments read the scores just written (analytics sits above segments).
                from setia.segments.services import segments_refresh_all

                figures["segment_evaluation"] = segments_refresh_all()
        finally:
            db.close()
    steps.timings["total"] = round(time.perf_counter() - began, 3)
    if progress:
        progress(100, "done")
    return {"figures": figures, "timings": steps.timings}


def _count_kind(table: pa.Table, kind: str) -> int:
    return sum(1 for value in table.column("kind").to_pylist() if value == kind)


def _scalar(db: duckdb.DuckDBPyConnection, sql: str) -> Any:
    rows = db.execute(sql).fetchall()
    value = rows[0][0] if rows else None
    return float(value) if value is not None else None


def _load_days(db: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    """`days`: one row per customer and purchase day (paid orders, net values added up);
    `purchases`: the lines of those orders with their customer and day (rules.purchases_sql), read
    by the loyalty index's category breadth, the rules and the ratios (one join of the copy's
    lines and orders instead of three)."""
    db.execute(
        """CREATE OR REPLACE TEMP TABLE days AS
           SELECT customer_id, business_date AS day, SUM(net)::BIGINT AS value
           FROM read_parquet($orders) WHERE paid AND business_date <= $today
           GROUP BY customer_id, business_date""",
        {"orders": str(extract.orders_path()), "today": today},
    )
    sql, params = rules.purchases_sql(today)
    db.execute(f"CREATE OR REPLACE TEMP TABLE purchases AS {sql}", params)


def _rfm(db: duckdb.DuckDBPyConnection, today: dt.date, window_days: int) -> None:
    """`rfm`: recency/frequency/monetary in the window, the quintile scores and the segment. The
    quintiles are taken among the customers who bought in the window; a customer who did not gets
    R = F = M = 1 (Lost)."""
    db.execute(
        f"""CREATE OR REPLACE TEMP TABLE rfm_base AS
            SELECT customer_id, MIN(day) AS first_purchase, MAX(day) AS last_purchase,
                   ($today::DATE - MAX(day))::INTEGER AS recency_days,
                   COUNT(*) AS purchase_days, SUM(value)::BIGINT AS historic_value,
                   COUNT(*) FILTER (WHERE day > $today::DATE - {int(window_days)}) AS frequency,
                   COALESCE(SUM(value) FILTER (WHERE day > $today::DATE - {int(window_days)}), 0)::BIGINT AS monetary
            FROM days GROUP BY customer_id""",
        {"today": today},
    )
    db.execute(
        """CREATE OR REPLACE TEMP TABLE rfm AS
            WITH ranked AS (
              SELECT *,
                RANK() OVER (PARTITION BY frequency > 0 ORDER BY recency_days DESC) - 1 AS r_worse,
                RANK() OVER (PARTITION BY frequency > 0 ORDER BY frequency) - 1 AS f_worse,
                RANK() OVER (PARTITION BY frequency > 0 ORDER BY monetary) - 1 AS m_worse,
                COUNT(*) OVER (PARTITION BY frequency > 0) AS active
              FROM rfm_base),
            scored AS (
              SELECT * EXCLUDE (r_worse, f_worse, m_worse, active),
                CASE WHEN frequency = 0 THEN 1 ELSE 1 + (5 * r_worse) // active END AS r_score,
                CASE WHEN frequency = 0 THEN 1 ELSE 1 + (5 * f_worse) // active END AS f_score,
                CASE WHEN frequency = 0 THEN 1 ELSE 1 + (5 * m_worse) // active END AS m_score
              FROM ranked)
            SELECT *, (f_score + m_score + 1) // 2 AS fm_score FROM scored"""
    )
    db.execute(
        f"CREATE OR REPLACE TEMP TABLE rfm_segments AS SELECT customer_id, "
        f"{rfm.segment_case_sql()} AS rfm_segment FROM rfm"
    )


def _fit(
    db: duckdb.DuckDBPyConnection, today: dt.date, options: AnalyticsSettings
) -> tuple[clv.ClvParameters | None, dict[str, Any]]:
    holdout = options.clv_holdout_days
    calibration_end = today - dt.timedelta(days=holdout)
    last = ClvFit.objects.filter(time_unit=options.clv_time_unit).values("r", "alpha", "a", "b", "p", "q", "v").first()
    try:
        fitted = clv.fit(db, calibration_end=calibration_end, time_unit=options.clv_time_unit, previous=last)
    except clv.ClvNotFitted as problem:
        return None, problem.as_dict()
    if holdout:
        fitted.quality = clv.holdout_quality(db, fitted, holdout_end=today)
    return fitted, {}


def _loyalty(db: duckdb.DuckDBPyConnection, fitted: bool) -> dict[str, int]:
    """`loyalty`: the five components and the index, per scored customer."""
    category_count = Category.objects.filter(is_active=True).count()
    target = min(category_count, loyalty_index.BREADTH_TARGET)
    referrals = Referral.objects.values_list("referrer__customer_id").annotate(made=Count("id")).order_by()
    referral_table = pa.table(
        {
            "customer_id": pa.array([row[0] for row in referrals], pa.int64()),
            "made": pa.array([row[1] for row in referrals], pa.int64()),
        }
    )
    db.register("referrals", referral_table)
    db.execute(
        """CREATE OR REPLACE TEMP TABLE categories AS
           SELECT customer_id, COUNT(DISTINCT category_id) AS bought FROM purchases GROUP BY customer_id"""
    )
    db.execute(
        """CREATE OR REPLACE TEMP TABLE regularity AS
           WITH gaps AS (
             SELECT customer_id, (day - LAG(day) OVER (PARTITION BY customer_id ORDER BY day))::DOUBLE AS gap
             FROM days)
           SELECT customer_id, COUNT(gap) AS gaps, AVG(gap) AS mean_gap, STDDEV_POP(gap) AS sd_gap
           FROM gaps WHERE gap IS NOT NULL GROUP BY customer_id"""
    )
    staying = "CAST(ROUND(100 * clv.prob_alive) AS INTEGER)" if fitted else "0"
    clv_join = "LEFT JOIN clv USING (customer_id)" if fitted else ""
    clv_columns = (
        "clv.predicted_purchases, clv.prob_alive, 1 - clv.prob_alive AS churn_risk, clv.predicted_value"
        if fitted
        else "NULL::DOUBLE AS predicted_purchases, NULL::DOUBLE AS prob_alive, NULL::DOUBLE AS churn_risk, "
        "NULL::BIGINT AS predicted_value"
    )
    breadth = (
        f"CAST(ROUND(100 * LEAST(1.0, COALESCE(categories.bought, 0) / {target}.0)) AS INTEGER)" if target else "0"
    )
    active = loyalty_index.weights(breadth=category_count >= 2, staying=fitted)
    db.execute(
        f"""CREATE OR REPLACE TEMP TABLE components AS
            SELECT rfm.customer_id,
              CASE WHEN rfm.purchase_days >= 3 AND regularity.mean_gap > 0
                   THEN CAST(ROUND(100 * (1 - LEAST(1.0, regularity.sd_gap / regularity.mean_gap))) AS INTEGER)
                   ELSE 0 END AS loyalty_regularity,
              0 AS loyalty_feedback,
              {breadth} AS loyalty_breadth,
              COALESCE({staying}, 0) AS loyalty_staying,
              CAST(ROUND(100 * LEAST(1.0, COALESCE(referrals.made, 0) / {loyalty_index.REFERRAL_TARGET}.0))
                   AS INTEGER) AS loyalty_referrals,
              COALESCE(categories.bought, 0) AS categories_bought,
              COALESCE(referrals.made, 0) AS referrals_made,
              {clv_columns}
            FROM rfm
            LEFT JOIN regularity USING (customer_id)
            LEFT JOIN categories USING (customer_id)
            LEFT JOIN referrals USING (customer_id)
            {clv_join}"""
    )
    db.unregister("referrals")
    db.execute(
        f"""CREATE OR REPLACE TEMP TABLE scores AS
            SELECT rfm.customer_id, rfm.first_purchase, rfm.last_purchase, rfm.recency_days, rfm.frequency,
                   rfm.monetary, rfm.r_score, rfm.f_score, rfm.m_score, rfm.fm_score, s.rfm_segment,
                   rfm.historic_value, c.predicted_purchases, c.prob_alive, c.churn_risk, c.predicted_value,
                   {loyalty_index.index_sql(active)} AS loyalty_index,
                   c.loyalty_regularity, c.loyalty_feedback, c.loyalty_breadth, c.loyalty_staying,
                   c.loyalty_referrals, rfm.purchase_days, c.categories_bought, c.referrals_made
            FROM rfm JOIN rfm_segments s USING (customer_id) JOIN components c USING (customer_id)"""
    )
    return active


def _movement(db: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = db.execute(
        """SELECT COALESCE(p.rfm_segment, '') AS from_segment, s.rfm_segment AS to_segment, COUNT(*) AS customers
           FROM scores s LEFT JOIN previous p USING (customer_id)
           GROUP BY ALL ORDER BY customers DESC"""
    ).fetchall()
    return [{"from": row[0], "to": row[1], "customers": int(row[2])} for row in rows]


def _grid(db: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = db.execute(
        """SELECT r_score, fm_score, COUNT(*), SUM(monetary) FROM scores GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    return [{"r": int(r), "fm": int(fm), "customers": int(n), "revenue": int(v or 0)} for r, fm, n, v in rows]


COHORT_MONTHS = 12


def _cohorts(db: duckdb.DuckDBPyConnection, today: dt.date) -> list[dict[str, Any]]:
    """Acquisition cohorts of the last COHORT_MONTHS calendar months up to today's month: the
    customers whose first purchase day (ever, from `days`) falls in the month; for each month since
    (offset 0 = the acquisition month, up to COHORT_MONTHS - 1 and not past today's month) how many
    of them made a purchase and what they spent. Months without a new customer are listed with size
    0, so the page always shows the same months."""
    rows = db.execute(
        f"""WITH firsts AS (
              SELECT customer_id, date_trunc('month', MIN(day))::DATE AS cohort FROM days GROUP BY customer_id),
            months AS (
              SELECT (date_trunc('month', $today::DATE) - to_months(n))::DATE AS cohort
              FROM range({COHORT_MONTHS}) t(n)),
            sizes AS (
              SELECT cohort, COUNT(*) AS customers FROM firsts GROUP BY cohort),
            activity AS (
              SELECT f.cohort, datediff('month', f.cohort, date_trunc('month', d.day)::DATE) AS month_offset,
                     COUNT(DISTINCT d.customer_id) AS active, SUM(d.value)::BIGINT AS revenue
              FROM days d JOIN firsts f USING (customer_id)
              WHERE f.cohort >= (SELECT MIN(cohort) FROM months)
              GROUP BY ALL)
            SELECT m.cohort, COALESCE(s.customers, 0) AS customers, o.n AS month_offset,
                   COALESCE(a.active, 0) AS active, COALESCE(a.revenue, 0) AS revenue
            FROM months m
            LEFT JOIN sizes s USING (cohort)
            JOIN range({COHORT_MONTHS}) o(n)
              ON (m.cohort + to_months(o.n))::DATE <= date_trunc('month', $today::DATE)::DATE
            LEFT JOIN activity a ON a.cohort = m.cohort AND a.month_offset = o.n
            ORDER BY m.cohort, o.n""",
        {"today": today},
    ).fetchall()
    cohorts: dict[dt.date, dict[str, Any]] = {}
    for cohort, customers, offset, active, revenue in rows:  # at most 12 x 12 rows
        entry = cohorts.setdefault(cohort, {"month": cohort.isoformat(), "customers": int(customers), "months": []})
        entry["months"].append({"offset": int(offset), "customers": int(active), "revenue": int(revenue)})
    return list(cohorts.values())


def _segments(db: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Each segment's size, revenue and averages. The churn risk is averaged over the customers who
    bought on more than one day: for a one-time buyer BG/NBD has no rhythm to judge by and gives
    0, which made a segment of lapsed one-time buyers ("Lost") read as safer than "At risk"."""
    rows = {
        row[0]: row[1:]
        for row in db.execute(
            """SELECT rfm_segment, COUNT(*), SUM(monetary), SUM(historic_value), SUM(predicted_value),
                      AVG(churn_risk) FILTER (WHERE purchase_days > 1), AVG(loyalty_index)
               FROM scores GROUP BY ALL"""
        ).fetchall()
    }
    result = []
    for code in rfm.SEGMENTS:
        n, revenue, historic, predicted, churn, loyalty = rows.get(code, (0, 0, 0, None, None, None))
        result.append(
            {
                "segment": code,
                "customers": int(n),
                "revenue": int(revenue or 0),
                "historic_value": int(historic or 0),
                "predicted_value": int(predicted) if predicted is not None else None,
                "churn_risk": round(float(churn), 3) if churn is not None else None,
                "loyalty_index": round(float(loyalty), 1) if loyalty is not None else None,
            }
        )
    return result


# --- Write-back ---------------------------------------------------------------------------------


def _copy_csv(table_name: str, columns: list[str], arrow: pa.Table) -> None:
    """PostgreSQL: COPY an Arrow table into `table_name` through CSV written by pyarrow."""
    buffer = io.BytesIO()
    pacsv.write_csv(arrow, buffer, write_options=pacsv.WriteOptions(include_header=False))
    quote = connection.ops.quote_name
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table_name} ({', '.join(quote(c) for c in columns)}) FROM STDIN (FORMAT csv)"
        ) as copy,
    ):
        view = buffer.getbuffer()
        for start in range(0, len(view), 8 << 20):
            copy.write(view[start : start + (8 << 20)])


def _upsert(model: Any, columns: list[str], conflict: list[str], arrow: pa.Table) -> None:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in conflict)
    on_conflict = f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET {updates}"
    if connection.vendor == "postgresql":
        staging = quote(f"{model._meta.db_table}_load")
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {staging} (LIKE {table}) ON COMMIT DROP")
            if "id" in [f.column for f in model._meta.concrete_fields] and "id" not in columns:
                cursor.execute(f"ALTER TABLE {staging} DROP COLUMN id")
        _copy_csv(staging, columns, arrow)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} {on_conflict}")
            cursor.execute(f"DROP TABLE {staging}")
        return
    placeholders = ", ".join("?" for _ in columns)
    raw = connection.connection.cursor()
    try:
        for batch in arrow.to_batches(max_chunksize=100_000):
            rows = list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders}) {on_conflict}", rows)
    finally:
        raw.close()


def _adbc_write(
    target: extract.AdbcTarget, model: Any, columns: list[str], arrow: pa.Table, *, mode: str, conflict: list[str]
) -> None:
    """Write `arrow` to `model`'s table in one transaction of an ADBC connection of its own
    (docs/adr/0014-adbc-analytics-io.md). `mode`: "replace" (every row of the table replaced),
    "append" (rows added; the caller knows none conflicts) or "upsert" (rows added, or updated
    where the `conflict` columns match a row).

    SQLite: in a child process (services/sqlite_adbc.py) that binds the Arrow columns in C.
    PostgreSQL: replace and append are a binary COPY straight into the table (replace: after
    TRUNCATE, with the table's plain indexes dropped and built again afterwards, which is faster
    than updating them row by row), the values cast to the columns' types first; an upsert is a
    binary COPY into a temporary table and INSERT … ON CONFLICT from it."""
    table = model._meta.db_table
    if target.vendor == "sqlite":
        with tempfile.TemporaryDirectory(dir=extract.analytics_dir()) as folder:
            data = str(Path(folder) / "write.arrow")
            with pa.OSFile(data, "wb") as sink, pa.ipc.new_file(sink, arrow.schema) as writer:
                writer.write_table(arrow)
            write = {"mode": mode, "table": table, "columns": columns, "conflict": conflict, "data": data}
            extract.sqlite_child({"database": target.uri, "write": [write]})
        return
    quote = connection.ops.quote_name
    fields = {field.column: field for field in model._meta.concrete_fields}
    names = ", ".join(quote(c) for c in columns)
    with extract.postgresql_connect(target) as adbc, adbc.cursor() as cursor:
        if mode in ("replace", "append"):
            typed = pa.Table.from_arrays(
                [
                    column.cast(_postgresql_arrow_type(fields[name].db_type(connection)))
                    for name, column in zip(columns, arrow.columns, strict=True)
                ],
                names=columns,
            )
            indexes: list[tuple[str, str]] = []
            if mode == "replace":
                cursor.execute(f"TRUNCATE {quote(table)}")
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                    f"WHERE x.indrelid = '{quote(table)}'::regclass AND NOT x.indisunique AND NOT x.indisprimary"
                )
                indexes = [(str(name), str(definition)) for name, definition in cursor.fetchall()]
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {quote(name)}")
            if typed.num_rows:
                cursor.adbc_ingest(table, typed, mode="append")
            for _name, definition in indexes:
                cursor.execute(definition)
        else:
            staging = f"{table}_load"
            values = ", ".join(f"CAST({quote(c)} AS {fields[c].db_type(connection)})" for c in columns)
            updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in conflict)
            cursor.adbc_ingest(staging, arrow.rename_columns(columns), mode="create", temporary=True)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) SELECT {values} FROM {quote(staging)} "
                f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {quote(staging)}")
        adbc.commit()


def _postgresql_arrow_type(db_type: str) -> pa.DataType:
    """The Arrow type whose binary COPY form is that of a PostgreSQL column type (binary COPY does
    not convert: an int8 value cannot go into an int4 column)."""
    base = db_type.split("(")[0].strip().lower()
    types = {
        "smallint": pa.int16(),
        "integer": pa.int32(),
        "bigint": pa.int64(),
        "double precision": pa.float64(),
        "varchar": pa.string(),
        "text": pa.string(),
        "date": pa.date32(),
        "timestamp with time zone": pa.timestamp("us", tz="UTC"),
        "boolean": pa.bool_(),
    }
    if base not in types:
        raise ValueError(f"no Arrow type for the column type {db_type!r}")
    return types[base]


def _write_scores(
    db: duckdb.DuckDBPyConnection, computed_at: dt.datetime, pool: ThreadPoolExecutor
) -> tuple[int, Future[None] | None]:
    """Replace the scores. Returns the rows written and, when the write goes on in `pool`
    (PostgreSQL through ADBC), its future."""
    stored_at = connection.ops.adapt_datetimefield_value(computed_at)
    if connection.vendor == "postgresql":
        stored_at = computed_at.isoformat()
    select = ", ".join(
        "$computed_at AS computed_at"
        if column == "computed_at"
        else f"CAST({column} AS VARCHAR) AS {column}"
        if column in ("first_purchase", "last_purchase")
        else column
        for column in SCORE_COLUMNS
    )
    arrow = db.sql(
        f"SELECT {select} FROM scores ORDER BY customer_id", params={"computed_at": str(stored_at)}
    ).to_arrow_table()
    target = extract.adbc_target() if arrow.num_rows >= extract.ADBC_MIN_ROWS else None
    if target is not None and target.vendor == "postgresql":
        write = pool.submit(_adbc_write, target, CustomerScore, SCORE_COLUMNS, arrow, mode="replace", conflict=[])
        return arrow.num_rows, write
    if target is not None:
        _adbc_write(target, CustomerScore, SCORE_COLUMNS, arrow, mode="replace", conflict=[])
        return arrow.num_rows, None
    with transaction.atomic():
        _replace_all(CustomerScore, SCORE_COLUMNS, arrow)
    return arrow.num_rows, None


def _replace_all(model: Any, columns: list[str], arrow: pa.Table) -> None:
    """Replace every row of `model`'s table with `arrow`, in the caller's transaction. Every scored
    customer's row changes each day (recency, T), so a replace costs no more than an upsert and
    also drops customers who have no purchase any more. PostgreSQL: COPY into a temporary table,
    TRUNCATE, INSERT … SELECT (readers wait for the few seconds until commit instead of reading a
    half-written table); SQLite: DELETE and one executemany INSERT."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        staging = quote(f"{model._meta.db_table}_load")
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {staging} (LIKE {table}) ON COMMIT DROP")
            if "id" in [f.column for f in model._meta.concrete_fields] and "id" not in columns:
                cursor.execute(f"ALTER TABLE {staging} DROP COLUMN id")
        _copy_csv(staging, columns, arrow)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")
            cursor.execute(f"DROP TABLE {staging}")
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    placeholders = ", ".join("?" for _ in columns)
    raw = connection.connection.cursor()
    try:
        for batch in arrow.to_batches(max_chunksize=100_000):
            rows = list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
    finally:
        raw.close()


def _write_snapshots(db: duckdb.DuckDBPyConnection, today: dt.date) -> int:
    """A history row for every customer new to the scores or whose segment or scores changed."""
    arrow = db.sql(
        """SELECT s.customer_id, CAST($today::DATE AS VARCHAR) AS date, s.rfm_segment, s.r_score, s.f_score,
                  s.m_score, s.loyalty_index, COALESCE(s.predicted_value, 0) AS predicted_value
           FROM scores s LEFT JOIN previous p USING (customer_id)
           WHERE p.customer_id IS NULL OR p.rfm_segment <> s.rfm_segment OR p.r_score <> s.r_score
              OR p.f_score <> s.f_score OR p.m_score <> s.m_score OR p.loyalty_index <> s.loyalty_index
           ORDER BY s.customer_id""",
        params={"today": today},
    ).to_arrow_table()
    target = extract.adbc_target() if arrow.num_rows >= extract.ADBC_MIN_ROWS else None
    if target is not None:
        # The first refresh of the day finds no row of today to update: the rows are only added.
        mode = "upsert" if CustomerScoreSnapshot.objects.filter(date=today).exists() else "append"
        _adbc_write(target, CustomerScoreSnapshot, SNAPSHOT_COLUMNS, arrow, mode=mode, conflict=["customer_id", "date"])
        return arrow.num_rows
    with transaction.atomic():
        _upsert(CustomerScoreSnapshot, SNAPSHOT_COLUMNS, ["customer_id", "date"], arrow)
    return arrow.num_rows


def snapshots_prune(*, today: dt.date) -> int:
    """Keep every history row of the last DAILY_HISTORY_DAYS days; before that, keep per customer
    only the last row of each calendar month (the state at the month's end). Returns rows deleted."""
    cutoff = today - dt.timedelta(days=DAILY_HISTORY_DAYS)
    table = CustomerScoreSnapshot._meta.db_table
    if connection.vendor == "postgresql":
        month_end = "(date_trunc('month', s.date) + interval '1 month')::date"
    else:
        month_end = "date(s.date, 'start of month', '+1 month')"
    sql = (
        f"DELETE FROM {table} AS s WHERE s.date < %s AND EXISTS (SELECT 1 FROM {table} t "
        f"WHERE t.customer_id = s.customer_id AND t.date > s.date AND t.date < {month_end})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(cutoff)])
        return max(cursor.rowcount, 0)


# --- Runs ---------------------------------------------------------------------------------------


def analytics_run_execute(run_id: int, *, today: dt.date | None = None) -> AnalyticsRun:
    """Execute a queued run, recording progress, figures and timings on it. Safe to call twice:
    only a queued run is started."""
    started = AnalyticsRun.objects.filter(pk=run_id, status=AnalyticsRun.Status.QUEUED).update(
        status=AnalyticsRun.Status.RUNNING, started_at=timezone.now(), progress=1, step="start"
    )
    run = AnalyticsRun.objects.get(pk=run_id)
    if not started:
        return run

    def progress(percent: int, step: str) -> None:
        AnalyticsRun.objects.filter(pk=run_id).update(progress=min(100, max(0, percent)), step=step)

    try:
        result = analytics_refresh(progress=progress, today=today)
    except Exception as error:  # recorded on the run, shown on the page; the job itself failed
        AnalyticsRun.objects.filter(pk=run_id).update(
            status=AnalyticsRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
        )
        raise
    AnalyticsRun.objects.filter(pk=run_id).update(
        status=AnalyticsRun.Status.DONE,
        finished_at=timezone.now(),
        progress=100,
        step="done",
        figures=result["figures"],
        timings=result["timings"],
    )
    if result["figures"].get("fit_id"):
        ClvFit.objects.filter(pk=result["figures"]["fit_id"]).update(run_id=run_id)
    run.refresh_from_db()
    return run
