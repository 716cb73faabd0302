"""Analytics background jobs. Both are safe to run twice: a run id is executed only while queued,
and the nightly job skips when a refresh is already queued or running."""

from typing import Any

from django.tasks import task


@task
def analytics_refresh_run(run_id: int) -> dict[str, Any]:
    """Execute a refresh requested from the analytics page."""
    from setia.analytics.services.engine import analytics_run_execute

    run = analytics_run_execute(run_id)
    return {"run": run.pk, "status": run.status}


@task
def analytics_nightly() -> dict[str, Any]:
    """The nightly refresh (config/schedule.py)."""
    from setia.analytics.models import AnalyticsRun
    from setia.analytics.services.engine import analytics_run_execute
    from setia.analytics.services.runs import analytics_run_queue

    run, created = analytics_run_queue(trigger=AnalyticsRun.Trigger.SCHEDULE)
    if not created:
        return {"run": run.pk, "status": "already queued or running"}
    run = analytics_run_execute(run.pk)
    return {"run": run.pk, "status": run.status}
