import datetime as dt
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection

from setia.core.models import ScheduledRun
from setia.core.scheduler import Job, latest_slot, load_schedule, scheduler_tick

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
JOB = Job("prune", "30 3 * * *", "setia.core.tasks.prune_task_results")


def test_latest_slot_reads_cron_in_jakarta_time() -> None:
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 09:00 in Jakarta
    assert latest_slot("30 3 * * *", now) == dt.datetime(2026, 11, 23, 3, 30, tzinfo=JAKARTA)
    exactly = dt.datetime(2026, 11, 23, 3, 30, tzinfo=JAKARTA)
    assert latest_slot("30 3 * * *", exactly) == exactly


def test_every_declared_job_points_at_a_task() -> None:
    from django.tasks import Task
    from django.utils.module_loading import import_string

    for job in load_schedule():
        assert isinstance(import_string(job.task_path), Task), job.key


def test_a_slot_is_enqueued_once(db: None, django_capture_on_commit_callbacks: object) -> None:
    now = dt.datetime(2026, 11, 23, 4, 0, tzinfo=JAKARTA)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert scheduler_tick(now, [JOB]) == ["prune"]
        assert scheduler_tick(now + dt.timedelta(hours=5), [JOB]) == []
    run = ScheduledRun.objects.get()
    assert run.slot == dt.datetime(2026, 11, 23, 3, 30, tzinfo=JAKARTA)
    assert run.task_result_id


def test_after_downtime_the_job_catches_up_once(db: None, django_capture_on_commit_callbacks: object) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        scheduler_tick(dt.datetime(2026, 11, 20, 4, 0, tzinfo=JAKARTA), [JOB])
        assert scheduler_tick(dt.datetime(2026, 11, 23, 4, 0, tzinfo=JAKARTA), [JOB]) == ["prune"]
    assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_enqueued_job_runs_in_the_worker() -> None:
    from django_tasks_db.models import DBTaskResult

    scheduler_tick(dt.datetime(2026, 11, 23, 4, 0, tzinfo=JAKARTA), [JOB])
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    result = DBTaskResult.objects.get(pk=ScheduledRun.objects.get().task_result_id)
    assert result.status == "SUCCESSFUL"


def test_nothing_is_enqueued_when_the_transaction_rolls_back(db: None) -> None:
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from setia.core.tasks import clear_expired_sessions, enqueue_on_commit

    with transaction.atomic():
        enqueue_on_commit(clear_expired_sessions)
        transaction.set_rollback(True)
    assert not DBTaskResult.objects.exists()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_enqueue_a_slot_once() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    from django.db import close_old_connections

    now = dt.datetime(2026, 11, 23, 4, 0, tzinfo=JAKARTA)
    barrier = threading.Barrier(8)
    fired: list[list[str]] = []

    def run() -> None:
        try:
            barrier.wait()
            fired.append(scheduler_tick(now, [JOB]))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(keys) for keys in fired) == [0] * 7 + [1]
    assert ScheduledRun.objects.filter(job_key="prune").count() == 1
