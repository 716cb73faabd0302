"""A small cron scheduler on top of Django's tasks API (see docs/adr/0003-scheduler.md).

Each tick finds, for every job, the latest slot at or before now; if that slot has no
`ScheduledRun` row yet, it inserts one and enqueues the job after commit. The unique
constraint on (job, slot) makes the insert the lock: two schedulers never enqueue a slot twice.
A scheduler that was down catches up once (the latest missed slot), not once per missed slot.
"""

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from typing import Any

from cronsim import CronSim
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import time_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from setia.core.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    key: str
    cron: str
    task_path: str
    label: Any = ""  # a lazy translation shown on the jobs page


def next_slot(cron: str, now: dt.datetime) -> dt.datetime:
    """The next time after `now` that `cron` names, in the business time zone."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(second=0, microsecond=0)
    return next(CronSim(cron, local_now))


def load_schedule() -> list[Job]:
    return list(_schedule_module().SCHEDULE)


def task_labels() -> dict[str, Any]:
    """Every job's name for a person, by its task's path: the scheduled ones and those a person
    starts (an import, a refresh)."""
    module = _schedule_module()
    labels = dict(getattr(module, "ON_DEMAND", {}))
    labels.update((job.task_path, job.label) for job in module.SCHEDULE if job.label)
    return labels


def _schedule_module() -> Any:
    return import_module(getattr(settings, "SETIA_SCHEDULE_MODULE", "config.schedule"))


def cron_text(cron: str) -> str:
    """How often `cron` runs, in the reader's words, for the shapes a schedule has (daily at a time,
    weekly on a day, every n minutes, within hours); any other expression as it is."""
    minute, hour, day, month, weekday = cron.split()
    if (day, month) != ("*", "*"):
        return cron
    if minute.isdigit() and hour.isdigit():
        at = time_format(dt.time(int(hour), int(minute)))
        if weekday == "*":
            return gettext("Every day at %(time)s") % {"time": at}
        if weekday.isdigit() and int(weekday) <= 7:
            # cron counts from Sunday (0 or 7); Django's WEEKDAYS from Monday (0).
            name = WEEKDAYS[(int(weekday) + 6) % 7]
            return gettext("Every %(weekday)s at %(time)s") % {"weekday": name, "time": at}
        return cron
    if minute.startswith("*/") and minute[2:].isdigit() and weekday == "*":
        every = gettext("Every %(minutes)s minutes") % {"minutes": minute[2:]}
        if hour == "*":
            return every
        first, _, last = hour.partition("-")
        if first.isdigit() and last.isdigit():
            return gettext("%(every)s from %(start)s to %(end)s") % {
                "every": every,
                "start": time_format(dt.time(int(first), 0)),
                "end": time_format(dt.time(int(last), 59)),
            }
    return cron


def latest_slot(cron: str, now: dt.datetime) -> dt.datetime:
    """The most recent time at or before `now` that `cron` (read in the business time zone) names."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(second=0, microsecond=0)
    # CronSim in reverse yields slots strictly before its start, so start one minute later.
    return next(CronSim(cron, local_now + dt.timedelta(minutes=1), reverse=True))


def scheduler_tick(now: dt.datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Enqueue every job whose latest slot has not been enqueued yet. Returns their keys."""
    now = now or timezone.now()
    fired = []
    for job in jobs if jobs is not None else load_schedule():
        slot = latest_slot(job.cron, now)
        if ScheduledRun.objects.filter(job_key=job.key, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job_key=job.key, slot=slot)
                task = import_string(job.task_path)
                transaction.on_commit(partial(_enqueue, task, run))
        except IntegrityError:
            continue  # another scheduler took this slot
        fired.append(job.key)
        logger.info("scheduled %s for %s", job.key, slot.isoformat())
    return fired


def _enqueue(task: object, run: ScheduledRun) -> None:
    result = task.enqueue()  # type: ignore[attr-defined]
    ScheduledRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id))
