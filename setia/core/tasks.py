"""Background jobs of the core app, and the one helper every app uses to enqueue."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.tasks import Task, task
from django.utils import timezone


def enqueue_on_commit(job: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue `job` once the surrounding transaction commits (never for a rolled-back write).

    Tasks take ids, not objects, and must be safe to run twice.
    """
    transaction.on_commit(lambda: job.enqueue(*args, **kwargs))


@task
def prune_task_results(days: int = 30) -> int:
    """Delete finished job results older than `days` so the jobs table stays small."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
    return deleted


@task
def clear_expired_sessions() -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(expire_date__lt=timezone.now()).delete()


@task
def cull_scheduler_history(days: int = 90) -> int:
    from setia.core.models import ScheduledRun

    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    return deleted
