import datetime as dt
import json
from typing import Any

import duckdb
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from setia.analytics.services import clv, extract
from setia.analytics.services.engine import refresh_lock
from setia.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Fit BG/NBD and Gamma-Gamma on the orders in the database up to a calibration end and print the "
        "parameters. Reads only; stores nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--calibration-end", required=True, help="YYYY-MM-DD, inclusive")
        parser.add_argument("--time-unit", choices=["day", "week"], default="day")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            end = dt.date.fromisoformat(options["calibration_end"])
        except ValueError as error:
            raise CommandError("--calibration-end: use YYYY-MM-DD") from error
        try:
            with refresh_lock():  # the Parquet copy is rewritten in place
                extract.extract()
        except ApplicationError as error:
            raise CommandError(error.message) from error
        db = duckdb.connect()
        try:
            db.execute(
                "CREATE TEMP TABLE days AS SELECT customer_id, business_date AS day, SUM(net)::BIGINT AS value "
                "FROM read_parquet($orders) WHERE paid GROUP BY ALL",
                {"orders": str(extract.orders_path())},
            )
            try:
                fitted = clv.fit(db, calibration_end=end, time_unit=options["time_unit"])
            except clv.ClvNotFitted as problem:
                raise CommandError(str(problem)) from problem
            last = db.execute("SELECT MAX(day) FROM days").fetchall()[0][0]
            result = fitted.as_dict()
            if last and last > end:
                holdout_end = min(last, timezone.localdate())
                result["holdout"] = clv.holdout_quality(db, fitted, holdout_end=holdout_end)
        finally:
            db.close()
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for key, value in result.items():
            if key != "holdout":
                self.stdout.write(f"{key}: {value}")
