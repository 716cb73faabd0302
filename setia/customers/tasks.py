"""Background jobs of the customers app. They take ids and are safe to run again."""

import logging

from django.tasks import task
from django.utils import timezone

from setia.customers.models import CustomerImport

logger = logging.getLogger(__name__)


def _failed(job_id: int, error: Exception) -> None:
    logger.exception("customer import %s failed", job_id, exc_info=error)
    CustomerImport.objects.filter(pk=job_id).update(
        status=CustomerImport.Status.FAILED, failure=str(error)[:2000], finished_at=timezone.now()
    )


@task
def check_customer_import(job_id: int) -> None:
    from setia.customers.imports import import_check

    try:
        import_check(job_id)
    except Exception as error:  # noqa: BLE001 - recorded on the job for the user to see
        _failed(job_id, error)


@task
def run_customer_import(job_id: int) -> None:
    """Resumes after the last written batch if a previous run was interrupted."""
    from setia.customers.imports import import_run

    try:
        import_run(job_id)
    except Exception as error:  # noqa: BLE001 - recorded on the job for the user to see
        _failed(job_id, error)


@task
def scan_duplicates() -> int:
    from setia.customers.merge import duplicate_scan

    return duplicate_scan()
