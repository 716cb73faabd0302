"""The web page's historical-orders import: upload → check in the background (every bad row with
its reason, nothing written) → confirm → import in the background → figures and the report of
skipped rows. The reading, checking and writing are `services/imports.py`'s, the same as the
`import_orders` command's.

Each step is a job that takes the import's id and is safe to run twice: a job only works on an
import in the status it expects, a check writes nothing, and the import never doubles an order
(every order carries its idempotency key).
"""

import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from setia.accounts.models import Branch, User
from setia.accounts.selectors import require
from setia.core.audit import audit_log
from setia.core.errors import ApplicationError
from setia.core.tasks import enqueue_on_commit
from setia.sales.models import OrderImport
from setia.sales.services import imports

MAX_UPLOAD_BYTES = 2 << 30  # 2 GB: about 20 million lines of a typical export
ERRORS_SHOWN = 200


def _error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


def imports_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports" / "orders"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _options(record: OrderImport) -> imports.ImportOptions:
    return imports.ImportOptions(
        branch_code=record.branch.code if record.branch else "",
        create_missing_customers=record.create_missing_customers,
        apply_loyalty=record.apply_loyalty,
        skip_invalid=record.skip_invalid,
    )


def _figures(result: imports.ImportResult) -> dict[str, Any]:
    figures = asdict(result)
    figures.pop("errors")
    figures["report"] = str(result.report) if result.report else ""
    return figures


@transaction.atomic
def order_import_upload(
    *,
    actor: User,
    uploaded: Any,
    branch: Branch | None = None,
    create_missing_customers: bool = False,
    apply_loyalty: bool = False,
) -> OrderImport:
    """Keep the uploaded CSV and queue its check."""
    require(actor, "orders.import")
    if uploaded is None:
        raise _error("file", _("Choose a file."))
    if not uploaded.name.lower().endswith((".csv", ".txt")):
        raise _error("file", _("Upload a CSV file (the columns are described on this page)."))
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise _error("file", _("The file is larger than 2 GB; split it into smaller files."))
    if uploaded.size == 0:
        raise _error("file", _("The file is empty."))
    path = imports_dir() / f"{actor.pk}-{secrets.token_hex(16)}.csv"
    with path.open("wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    record = OrderImport.objects.create(
        created_by=actor,
        original_name=Path(uploaded.name).name[:255],
        stored_path=str(path),
        branch=branch,
        create_missing_customers=create_missing_customers,
        apply_loyalty=apply_loyalty,
    )
    audit_log(actor=actor, action="upload", instance=record, message=record.original_name)
    from setia.sales.tasks.imports import order_import_check_job

    enqueue_on_commit(order_import_check_job, record.pk)
    return record


def _finish(record: OrderImport, status: str, result: imports.ImportResult) -> None:
    record.status = status
    record.result = _figures(result)
    record.errors = [list(error) for error in result.errors[:ERRORS_SHOWN]]
    record.report_path = str(result.report) if result.report else ""
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "result", "errors", "report_path", "finished_at", "updated_at"])


def _fail(record: OrderImport, error: Exception) -> None:
    message = error.message if isinstance(error, ApplicationError) else f"{type(error).__name__}: {error}"
    OrderImport.objects.filter(pk=record.pk).update(
        status=OrderImport.Status.FAILED, failure=message[:2000], finished_at=timezone.now()
    )


def order_import_check_run(record_id: int) -> OrderImport | None:
    """The dry run (the job): counts, the first bad rows, the report of bad rows. Writes no order."""
    record = (
        OrderImport.objects.select_related("created_by", "branch")
        .filter(pk=record_id, status=OrderImport.Status.CHECKING)
        .first()
    )
    if record is None:
        return None
    try:
        result = imports.orders_import_check(
            actor=record.created_by, path=Path(record.stored_path), options=_options(record)
        )
    except ApplicationError as error:  # a file-level problem (e.g. a missing column): shown on the page
        _fail(record, error)
        return record
    except Exception as error:  # shown on the page; the job itself fails too
        _fail(record, error)
        raise
    _finish(record, OrderImport.Status.CHECKED, result)
    return record


@transaction.atomic
def order_import_confirm(*, actor: User, record: OrderImport, skip_invalid: bool) -> OrderImport:
    """Queue the import of a checked file. A file with bad rows is imported only when the user
    chooses to import the valid rows alone (the skipped ones come back in the report)."""
    require(actor, "orders.import")
    record = OrderImport.objects.select_for_update().get(pk=record.pk)
    if record.status != OrderImport.Status.CHECKED:
        raise ApplicationError(_("This file is not waiting for confirmation."))
    invalid = int(record.result.get("invalid_rows", 0))
    if invalid and not skip_invalid:
        raise _error(
            "skip_invalid",
            _("The file has %(count)s bad rows: fix them and upload the file again, or import only the valid rows.")
            % {"count": invalid},
        )
    if not record.result.get("valid_rows"):
        raise ApplicationError(_("The file has no valid row to import."))
    record.skip_invalid = skip_invalid
    record.status = OrderImport.Status.IMPORTING
    record.save(update_fields=["skip_invalid", "status", "updated_at"])
    audit_log(actor=actor, action="confirm", instance=record, message=record.original_name)
    from setia.sales.tasks.imports import order_import_run_job

    enqueue_on_commit(order_import_run_job, record.pk)
    return record


def order_import_run(record_id: int) -> OrderImport | None:
    """The import (the job): checks the file again (it may have been re-run or changed since) and
    writes its valid orders. Running it again (after an interruption) finishes the import without
    doubling an order: each carries its idempotency key."""
    record = (
        OrderImport.objects.select_related("created_by", "branch")
        .filter(pk=record_id, status=OrderImport.Status.IMPORTING)
        .first()
    )
    if record is None:
        return None
    try:
        result = imports.orders_import(actor=record.created_by, path=Path(record.stored_path), options=_options(record))
    except ApplicationError as error:
        _fail(record, error)
        return record
    except Exception as error:
        _fail(record, error)
        raise
    _finish(record, OrderImport.Status.DONE if result.applied else OrderImport.Status.CHECKED, result)
    return record


def order_import_report(*, actor: User, record: OrderImport) -> Path:
    """The CSV of the skipped rows with their reasons."""
    require(actor, "orders.import")
    path = Path(record.report_path) if record.report_path else None
    if path is None or not path.is_file() or path.parent != imports_dir():
        raise ApplicationError(_("This import has no report of skipped rows."))
    return path
