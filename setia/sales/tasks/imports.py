"""The web page's historical-orders import, in the background: the check, then the import."""

from django.tasks import task


@task
def order_import_check_job(record_id: int) -> bool:
    from setia.sales.services.order_imports import order_import_check_run

    return order_import_check_run(record_id) is not None


@task
def order_import_run_job(record_id: int) -> bool:
    from setia.sales.services.order_imports import order_import_run

    return order_import_run(record_id) is not None
