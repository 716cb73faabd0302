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


@pytest.mark.parametrize(
    ("language", "cron", "expected"),
    [
        ("en", "15 3 * * *", "Every day at 03:15"),
        ("id", "15 3 * * *", "Setiap hari pukul 03.15"),
        ("en", "45 3 * * 0", "Every Sunday at 03:45"),
        ("id", "45 3 * * 7", "Setiap Minggu pukul 03.45"),
        ("en", "0 9 * * 1", "Every Monday at 09:00"),
        ("en", "*/5 * * * *", "Every 5 minutes"),
        ("id", "*/15 7-11 * * *", "Setiap 15 menit, pukul 07.00\u201311.59"),
        ("en", "*/15 7-11 * * *", "Every 15 minutes from 07:00 to 11:59"),
        ("en", "0 3 1 * *", "0 3 1 * *"),
        ("en", "0 3 * * 1-5", "0 3 * * 1-5"),
    ],
)
def test_a_schedule_reads_in_words_where_its_shape_allows(language: str, cron: str, expected: str) -> None:
    from django.utils import translation

    from setia.core.scheduler import cron_text

    with translation.override(language):
        assert cron_text(cron) == expected


def test_every_task_of_the_product_has_a_name_for_the_jobs_page() -> None:
    import importlib
    import pkgutil

    from django.tasks import Task

    import setia
    from setia.core.scheduler import task_labels

    labels = task_labels()
    found = []
    for module_info in pkgutil.walk_packages(setia.__path__, "setia."):
        if ".tasks" not in module_info.name or ".tests" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        found += [value.module_path for value in vars(module).values() if isinstance(value, Task)]
    assert len(found) >= 15
    assert sorted(path for path in found if path not in labels) == []


@pytest.mark.django_db(transaction=True)
def test_the_jobs_page_names_each_job_and_its_last_run() -> None:
    from django.test import Client

    from setia.accounts.models import User

    scheduler_tick(dt.datetime(2026, 11, 23, 4, 0, tzinfo=JAKARTA), [JOB])
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    client = Client()
    client.force_login(User.objects.create_user("boss", password="x-Long-enough-1", role="owner"))
    client.cookies["django_language"] = "id"
    html = client.get("/jobs/").content.decode()
    assert "Setiap hari pukul 03.30" in html  # prune_task_results in config.schedule
    assert "Hapus hasil tugas yang lebih dari 30 hari" in html
    recent = html.split('data-testid="recent-jobs"')[1]
    assert "Hapus hasil tugas yang lebih dari 30 hari" in recent
    assert "core.tasks.prune_task_results" not in recent
    assert "Berhasil" in recent


@pytest.mark.django_db(transaction=True)
def test_the_jobs_page_shows_the_runs_of_one_job_or_the_failed_ones() -> None:
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from setia.accounts.models import User

    scheduler_tick(dt.datetime(2026, 11, 23, 4, 0, tzinfo=JAKARTA), [JOB, Job("sessions", "15 3 * * *", SESSIONS)])
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert DBTaskResult.objects.count() == 2
    client = Client()
    client.force_login(User.objects.create_user("boss", password="x-Long-enough-1", role="owner"))
    client.cookies["django_language"] = "en"

    def recent(query: str) -> str:
        return client.get(f"/jobs/{query}").content.decode().split('data-testid="recent-jobs"')[1]

    assert "Delete job results older than 30 days" in recent("") and "Remove expired sessions" in recent("")
    one = recent(f"?job={SESSIONS}")
    assert "Remove expired sessions" in one and "Delete job results" not in one
    assert "No runs match these filters." in recent("?failed=1")
    assert "No runs match these filters." in recent("?job=setia.no.such_task")  # a hand-made link
    assert "Remove expired sessions" in recent("?failed=yes")  # only "1" asks for the failed ones
    DBTaskResult.objects.filter(task_path=SESSIONS).update(status="FAILED")
    failed = recent("?failed=1")
    assert "Remove expired sessions" in failed and "Delete job results" not in failed


SESSIONS = "setia.core.tasks.clear_expired_sessions"
