from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from setia.accounts.models import User
from setia.core.errors import ApplicationError
from setia.customers import imports
from setia.customers.models import CustomerImport


class Command(BaseCommand):
    help = "Import customers from a CSV or XLSX file, with the same checks as the import page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mode", choices=CustomerImport.Mode.values, default=CustomerImport.Mode.CREATE)
        parser.add_argument("--username", help="The staff member the import is done as (default: the first owner).")
        parser.add_argument("--skip-invalid", action="store_true", help="Import the valid rows even if some are bad.")
        parser.add_argument("--check-only", action="store_true", help="Only check the file (dry run).")

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
        uploaded = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            job = imports.import_upload(actor=actor, uploaded=uploaded, mode=options["mode"])
            imports.import_set_mapping(actor=actor, job=job, mapping=job.mapping, mode=options["mode"])
            job = imports.import_check(job.pk)
            # In the server's language, as the reasons are (the rows' messages come from the services).
            self.stdout.write(
                _("%(rows)s rows: %(valid)s valid, %(invalid)s with errors")
                % {"rows": job.total_rows, "valid": job.valid_rows, "invalid": job.invalid_rows}
            )
            for number, target, message in job.errors[:20]:
                reason = f"{target}: {message}" if target else message
                self.stdout.write("  " + _("row %(number)s: %(reason)s") % {"number": number, "reason": reason})
            if options["check_only"]:
                return
            imports.import_confirm(actor=actor, job=job, skip_invalid=options["skip_invalid"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        job = imports.import_run(job.pk)
        self.stdout.write(
            _("created %(created)s, updated %(updated)s, unchanged %(unchanged)s, skipped %(skipped)s")
            % {
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "skipped": job.skipped_count,
            }
        )
        if job.skipped_count:
            self.stdout.write(_("skipped rows with reasons: %(path)s") % {"path": imports.report_path(job)})
