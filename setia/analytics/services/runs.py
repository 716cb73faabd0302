"""Starting a refresh: from the page ("Refresh now"), the nightly job or the command."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from setia.accounts.selectors import require
from setia.analytics.models import AnalyticsRun
from setia.core.audit import audit_log
from setia.core.tasks import enqueue_on_commit

# A run that has shown no progress for this long is taken as dead (its worker was stopped).
STALE_AFTER = dt.timedelta(hours=2)


def analytics_run_queue(*, trigger: str, actor: Any = None) -> tuple[AnalyticsRun, bool]:
    """The queued or running refresh, or a new queued one. Returns (run, created)."""
    with transaction.atomic():
        AnalyticsRun.objects.filter(
            status__in=[AnalyticsRun.Status.QUEUED, AnalyticsRun.Status.RUNNING],
            created_at__lt=timezone.now() - STALE_AFTER,
        ).update(status=AnalyticsRun.Status.FAILED, error="stopped without finishing", finished_at=timezone.now())
        current = (
            AnalyticsRun.objects.select_for_update()
            .filter(status__in=[AnalyticsRun.Status.QUEUED, AnalyticsRun.Status.RUNNING])
            .first()
        )
        if current is not None:
            return current, False
        return AnalyticsRun.objects.create(trigger=trigger, requested_by=actor), True


@transaction.atomic
def analytics_refresh_request(*, actor: Any) -> AnalyticsRun:
    """ "Refresh now": queue a refresh for the worker, unless one is already queued or running."""
    from setia.analytics.tasks import analytics_refresh_run

    require(actor, "analytics.run")
    run, created = analytics_run_queue(trigger=AnalyticsRun.Trigger.MANUAL, actor=actor)
    if created:
        audit_log(actor=actor, action="analytics.refresh", instance=run)
        enqueue_on_commit(analytics_refresh_run, run.pk)
    return run
