from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        self.stdout.write(
            f"{result.rows} rows: {result.valid_rows} valid, {result.invalid_rows} with errors; "
            f"{result.orders} orders ({result.orders_existing} imported before)"
        )
        for number, reason in result.errors[:20]:
            self.stdout.write(f"  row {number}: {reason}")
        if result.invalid_rows > 20:
            self.stdout.write(f"  … and {result.invalid_rows - 20} more rows with errors")
        if result.report is not None:
            self.stdout.write(f"rows with errors and reasons: {result.report}")
        if options["check_only"]:
            if result.customers_created:
                self.stdout.write(f"customers to create: {result.customers_created}")
            return
        if not result.applied:
            raise CommandError(
                f"{result.invalid_rows} rows have errors; nothing was imported. "
                "Fix the file, or use --skip-invalid to import only the valid rows."
            )
        self.stdout.write(
            f"created {result.orders_created} orders with {result.lines_created} lines, "
            f"{result.customers_created} customers; skipped {result.invalid_rows} rows"
            + (f"; points earned {result.points_earned}" if options["apply_loyalty"] else "")
        )
