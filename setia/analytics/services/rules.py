"""Cross-sell analysis in DuckDB: association rules and the cross-/up-sell ratios.

Association rules "bought X → bought Y" between two products, of two kinds, over the paid
purchases of a window (the refresh uses the RFM window up to today):

- **bought together** (`basket`): the unit counted is an order. N = orders with at least one
  product; n(X) = orders holding X; n(X, Y) = orders holding both.
- **bought later** (`sequence`): the unit counted is a customer. N = customers who bought at least
  one product; n(X) = customers who bought X; n(X → Y) = customers who bought Y on a day after a
  day on which they bought X (their first X is before their last Y).

For both: support = n(X, Y) / N; confidence = n(X, Y) / n(X) (the share of X's buyers who also, or
later, bought Y); lift = confidence / (n(Y) / N) (how much likelier Y is after X than for anyone;
above 1 means X's buyers favour Y). A rule is kept when n(X, Y) ≥ the minimum count, confidence ≥
the minimum confidence and lift > 1. Only products reaching the minimum count on their own take
part (a pair cannot be more frequent than either of its products).

Ratios, for a period [start, end] (both business dates) and the customers who bought in it and had
bought before it (existing customers):

- cross-sell ratio = share of them who bought in the period from a category they had never bought
  before (something new from the same place);
- up-sell ratio = share of them whose average spend per purchase day in the period is higher than
  their average per purchase day before it.
"""

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa

from setia.analytics.services import extract

# A rule's figures (after its kind and its two products).
FIGURES = ("together", "antecedent_count", "consequent_count", "total", "support", "confidence", "lift")
RULE_COLUMNS = ["kind", "antecedent_id", "consequent_id", *FIGURES]


PURCHASES_SQL = """SELECT l.order_id, o.customer_id, o.business_date AS day, l.category_id, l.product_id
    FROM read_parquet($lines) l JOIN read_parquet($orders) o USING (order_id)
    WHERE o.paid AND o.business_date <= $end"""


def purchases_sql(end: dt.date) -> tuple[str, dict[str, Any]]:
    """The copy's lines of paid orders up to `end`: (order_id, customer_id, day, category_id,
    product_id). The refresh makes a table of it once for the loyalty index, the rules and the
    ratios (`purchases=` below); without one, each reads the copy itself."""
    return PURCHASES_SQL, {"lines": str(extract.lines_path()), "orders": str(extract.orders_path()), "end": end}


def _purchases(purchases: str | None, end: dt.date) -> tuple[str, dict[str, Any]]:
    if purchases is not None:
        return purchases, {}
    sql, params = purchases_sql(end)
    return f"({sql})", params


def _items(db: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, purchases: str | None) -> None:
    """`rule_items`: one row per paid order in [start, end] and product bought in it."""
    source, params = _purchases(purchases, end)
    db.execute(
        f"""CREATE OR REPLACE TEMP TABLE rule_items AS
            SELECT DISTINCT order_id, customer_id, day, product_id FROM {source} p
            WHERE product_id IS NOT NULL AND day BETWEEN $start AND $end""",
        {**params, "start": start, "end": end},
    )


def _rules(
    db: duckdb.DuckDBPyConnection, kind: str, unit: str, pairs: str, min_count: int, min_confidence: float
) -> None:
    """Append the rules of one kind to `rules` from `units(unit_id, product_id, ...)` and the
    pair counts `pairs` (a query giving antecedent_id, consequent_id, together)."""
    db.execute(
        f"""INSERT INTO rules
            WITH total AS (SELECT COUNT(DISTINCT {unit}) AS n FROM units),
            counts AS (SELECT product_id, COUNT(*) AS n FROM units GROUP BY product_id),
            pairs AS ({pairs})
            SELECT '{kind}' AS kind, p.antecedent_id, p.consequent_id, p.together,
                   a.n AS antecedent_count, c.n AS consequent_count, t.n AS total,
                   p.together / t.n AS support, p.together / a.n AS confidence,
                   (p.together / a.n) / (c.n / t.n) AS lift
            FROM pairs p
            JOIN counts a ON a.product_id = p.antecedent_id
            JOIN counts c ON c.product_id = p.consequent_id
            CROSS JOIN total t
            WHERE p.together >= $min_count AND p.together / a.n >= $min_confidence
              AND (p.together / a.n) / (c.n / t.n) > 1""",
        {"min_count": min_count, "min_confidence": min_confidence},
    )


def association_rules(
    db: duckdb.DuckDBPyConnection,
    *,
    start: dt.date,
    end: dt.date,
    min_count: int,
    min_confidence: float,
    purchases: str | None = None,
) -> pa.Table:
    """The rules of both kinds over the purchases of [start, end] (see the module's docstring), as
    an Arrow table of RULE_COLUMNS. `min_confidence` is a fraction (0.05 = 5%). `purchases`: a
    table of `purchases_sql(end)`'s rows, if the caller has one."""
    _items(db, start, end, purchases)
    db.execute(
        """CREATE OR REPLACE TEMP TABLE rules (
             kind VARCHAR, antecedent_id BIGINT, consequent_id BIGINT, together BIGINT, antecedent_count BIGINT,
             consequent_count BIGINT, total BIGINT, support DOUBLE, confidence DOUBLE, lift DOUBLE)"""
    )
    # Bought together: orders are the units.
    db.execute("""CREATE OR REPLACE TEMP VIEW units AS SELECT order_id, product_id FROM rule_items""")
    _rules(
        db,
        "basket",
        "order_id",
        """WITH frequent AS (
             SELECT u.order_id, u.product_id FROM units u
             JOIN (SELECT product_id FROM units GROUP BY product_id HAVING COUNT(*) >= $min_count) f
               USING (product_id))
           SELECT a.product_id AS antecedent_id, b.product_id AS consequent_id, COUNT(*) AS together
           FROM frequent a JOIN frequent b ON a.order_id = b.order_id AND a.product_id <> b.product_id
           GROUP BY ALL""",
        min_count,
        min_confidence,
    )
    # Bought later: customers are the units, with their first and last day of each product.
    db.execute(
        """CREATE OR REPLACE TEMP TABLE customer_products AS
           SELECT customer_id, product_id, MIN(day) AS first_day, MAX(day) AS last_day
           FROM rule_items GROUP BY customer_id, product_id"""
    )
    db.execute("CREATE OR REPLACE TEMP VIEW units AS SELECT customer_id, product_id FROM customer_products")
    _rules(
        db,
        "sequence",
        "customer_id",
        """WITH frequent AS (
             SELECT c.* FROM customer_products c
             JOIN (SELECT product_id FROM customer_products GROUP BY product_id HAVING COUNT(*) >= $min_count) f
               USING (product_id)
             -- a customer with one purchase day has no "later"
             WHERE c.customer_id IN (
               SELECT customer_id FROM customer_products GROUP BY customer_id HAVING MIN(first_day) < MAX(last_day)))
           SELECT a.product_id AS antecedent_id, b.product_id AS consequent_id, COUNT(*) AS together
           FROM frequent a JOIN frequent b
             ON a.customer_id = b.customer_id AND a.product_id <> b.product_id AND a.first_day < b.last_day
           GROUP BY ALL""",
        min_count,
        min_confidence,
    )
    table = db.sql(
        f"SELECT {', '.join(RULE_COLUMNS)} FROM rules ORDER BY kind, antecedent_id, lift DESC"
    ).to_arrow_table()
    db.execute("DROP VIEW units")
    db.execute("DROP TABLE customer_products")
    return table


def ratios(
    db: duckdb.DuckDBPyConnection, *, start: dt.date, end: dt.date, purchases: str | None = None
) -> dict[str, Any]:
    """The cross-sell and up-sell ratios of [start, end] (see the module's docstring). Reads the
    copy's paid orders and their lines' categories (from `purchases`, a table of
    `purchases_sql(end)`'s rows, if the caller has one)."""
    source, params = _purchases(purchases, end)
    row = db.execute(
        f"""WITH paid AS (
             SELECT order_id, customer_id, business_date AS day, net FROM read_parquet($orders)
             WHERE paid AND business_date <= $end),
           days AS (
             SELECT customer_id, day, SUM(net) AS value FROM paid GROUP BY ALL),
           spend AS (
             SELECT customer_id,
                    AVG(value) FILTER (WHERE day < $start) AS before,
                    AVG(value) FILTER (WHERE day >= $start) AS during
             FROM days GROUP BY customer_id),
           existing AS (
             SELECT * FROM spend WHERE before IS NOT NULL AND during IS NOT NULL),
           bought AS (
             SELECT customer_id, category_id, MIN(day) AS first_day
             FROM {source} p WHERE category_id IS NOT NULL GROUP BY ALL),
           crossed AS (
             SELECT DISTINCT customer_id FROM bought WHERE first_day >= $start)
           SELECT COUNT(*) AS existing,
                  COUNT(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM crossed)) AS cross_sold,
                  COUNT(*) FILTER (WHERE during > before) AS up_sold
           FROM existing""",
        {**params, "orders": str(extract.orders_path()), "start": start, "end": end},
    ).fetchall()[0]
    existing, cross_sold, up_sold = (int(value or 0) for value in row)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "existing_customers": existing,
        "cross_sold": cross_sold,
        "cross_sell_ratio": round(cross_sold / existing, 4) if existing else None,
        "up_sold": up_sold,
        "up_sell_ratio": round(up_sold / existing, 4) if existing else None,
    }
