from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.core.errors import ApplicationError
from setia.sales.services import imports


class Command(BaseCommand):
    help = (
        "Import historical orders from a CSV file (columns customer_ref,date,amount; optional branch, channel, "
        "order_ref, product, quantity, unit_price), with the same checks and skipped-rows report as the "
        "customer import. History earns no points unless --apply-loyalty is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--create-missing-customers",
            action="store_true",
            help="An unknown customer_ref creates a customer holding only that external id.",
        )
        parser.add_argument(
            "--apply-loyalty", action="store_true", help="Give members points and rewards for the imported orders."
        )
        parser.add_argument("--branch", default="", help="Branch code for rows without one (default: first active).")
        parser.add_argument("--skip-invalid", action="store_true", help="Import the valid rows even if some are bad.")
        parser.add_argument("--check-only", action="store_true", help="Only check the file (dry run).")
        parser.add_argument("--report", type=Path, help="Where to write the skipped rows (default: FILE.skipped.csv).")
        parser.add_argument("--username", help="The staff member the import is done as (default: the first owner).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        users = User.objects.filter(is_active=True)
        actor = (
            users.filter(username=options["username"]).first()
            if options["username"]
            else users.filter(role="owner").order_by("pk").first()
        )
        if actor is None:
            raise CommandError("No such active staff member (use --username).")
        settings = imports.ImportOptions(
            branch_code=options["branch"],
            create_missing_customers=options["create_missing_customers"],
            apply_loyalty=options["apply_loyalty"],
            skip_invalid=options["skip_invalid"],
        )
        run = imports.orders_import_check if options["check_only"] else imports.orders_import
        try:
            result = run(actor=actor, path=path, options=settings, report=options["report"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        # In the server's language, as the reasons are (the rows' messages come from the services).
        self.stdout.write(
            _("%(rows)s rows: %(valid)s valid, %(invalid)s with errors; %(orders)s orders (%(before)s imported before)")
            % {
                "rows": result.rows,
                "valid": result.valid_rows,
                "invalid": result.invalid_rows,
                "orders": result.orders,
                "before": result.orders_existing,
            }
        )
        for number, reason in result.errors[:20]:
            self.stdout.write("  " + _("row %(number)s: %(reason)s") % {"number": number, "reason": reason})
        if result.invalid_rows > 20:
            more = result.invalid_rows - 20
            self.stdout.write("  " + _("… and %(count)s more rows with errors") % {"count": more})
        if result.report is not None:
            self.stdout.write(_("rows with errors and reasons: %(path)s") % {"path": result.report})
        if options["check_only"]:
            if result.customers_created:
                self.stdout.write(_("customers to create: %(count)s") % {"count": result.customers_created})
            return
        if not result.applied:
            raise CommandError(
                _(
                    "%(count)s rows have errors; nothing was imported. Fix the file, or use --skip-invalid to "
                    "import only the valid rows."
                )
                % {"count": result.invalid_rows}
            )
        done = _("created %(orders)s orders with %(lines)s lines, %(customers)s customers; skipped %(skipped)s rows")
        summary = done % {
            "orders": result.orders_created,
            "lines": result.lines_created,
            "customers": result.customers_created,
            "skipped": result.invalid_rows,
        }
        if options["apply_loyalty"]:
            summary += "; " + _("points earned %(points)s") % {"points": result.points_earned}
        self.stdout.write(summary)
