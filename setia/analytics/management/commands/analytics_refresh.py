import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from setia.analytics.models import AnalyticsRun
from setia.analytics.services.engine import analytics_run_execute
from setia.analytics.services.runs import analytics_run_queue
from setia.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Recompute every customer's RFM, lifetime value, churn risk and loyalty index now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="Print the figures and timings as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        run, created = analytics_run_queue(trigger=AnalyticsRun.Trigger.COMMAND)
        if not created:
            raise CommandError(f"A refresh is already queued or running (run {run.pk}).")

        try:
            run = analytics_run_execute(run.pk)
        except ApplicationError as error:  # e.g. clv_fit holds the lock; the run is marked failed
            raise CommandError(error.message) from error
        if options["json"]:
            self.stdout.write(json.dumps({"run": run.pk, "figures": run.figures, "timings": run.timings}))
            return
        figures = run.figures
        self.stdout.write(
            f"{figures['customers_scored']} customers scored ({figures['extract']['mode']} extract, "
            f"{figures['extract']['changed_orders']} orders read)"
        )
        for step, seconds in run.timings.items():
            self.stdout.write(f"  {step}: {seconds} s")
