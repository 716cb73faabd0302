from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from setia.accounts.models import User
from setia.analytics.models import AnalyticsRun
from setia.analytics.services.engine import analytics_run_execute
from setia.analytics.services.runs import analytics_run_queue
from setia.demo.data import PROFILES
from setia.demo.services import demo_logins, demo_password, seed_demo


class Command(BaseCommand):
    def _analytics(self) -> None:
        """Score the demo customers now, so the analytics pages, segments and offers have figures
        from the start (afterwards the nightly job keeps them fresh)."""
        run, _created = analytics_run_queue(trigger=AnalyticsRun.Trigger.COMMAND)
        run = analytics_run_execute(run.pk)
        rules = run.figures.get("rules", {})
        self.stdout.write(
            f"Customer analytics computed: {run.figures.get('customers_scored', 0)} customers scored, "
            f"{sum(rules.values())} cross-sell rules."
        )

    help = "Fill the database with a demo business (salon or taxi) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=sorted(PROFILES), default="salon")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the database has staff already.")
        parser.add_argument("--customers", type=int, default=60, help="How many demo customers.")
        parser.add_argument(
            "--orders",
            type=int,
            default=None,
            help="Order lines of history over two years (default: about 8 per customer; up to 10,000,000 in bulk).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run in production (SETIA_ENV=production): demo logins are public.")
        if User.objects.exists():
            if not options["if_empty"]:
                raise CommandError("The database already has data; seed_demo fills an empty database only.")
            self.stdout.write("Database already has data; demo data not loaded.")
        else:
            report = seed_demo(
                profile=options["profile"],
                seed=options["seed"],
                customers=options["customers"],
                orders=options["orders"],
            )
            branches = ", ".join(report.branches)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo {report.profile} business loaded: {branches}; {report.customers} customers, "
                    f"{report.orders} orders ({report.order_lines} lines), {report.members} members"
                    + "".join(f", {count} {name}" for name, count in report.crm.items())
                )
            )
            self._analytics()
        logins = demo_logins()
        if logins:
            self.stdout.write("")
            self.stdout.write(f"Demo logins (password for all: {demo_password()}):")
            for username, role in logins:
                self.stdout.write(f"  {username:<12} {role}")
