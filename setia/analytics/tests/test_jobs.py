"""The nightly job, the refresh command and the one-refresh-at-a-time rule."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.schedule import SCHEDULE
from setia.analytics.models import AnalyticsRun, CustomerScore
from setia.analytics.services import engine, extract
from setia.analytics.tasks import analytics_nightly
from setia.analytics.tests import factories
from setia.conftest import Business
from setia.core.errors import ApplicationError


@pytest.fixture
def shop(business: Business) -> list:
    made = factories.customers(2)
    today = timezone.localdate()
    factories.order(made[0], today - dt.timedelta(days=3), 40_000, branch=business.branch_a)
    factories.order(made[1], today - dt.timedelta(days=30), 60_000, branch=business.branch_a)
    return made


def test_the_nightly_job_is_scheduled_and_refreshes(shop: list) -> None:
    job = next(job for job in SCHEDULE if job.key == "analytics_nightly")
    assert (job.cron, job.task_path) == ("0 2 * * *", "setia.analytics.tasks.analytics_nightly")
    result = analytics_nightly.call()
    run = AnalyticsRun.objects.get()
    assert result == {"run": run.pk, "status": "done"}
    assert (run.trigger, run.status, run.progress) == ("schedule", "done", 100)
    assert CustomerScore.objects.count() == 2


def test_the_nightly_job_skips_while_a_refresh_is_queued(shop: list) -> None:
    queued = AnalyticsRun.objects.create()
    assert analytics_nightly.call() == {"run": queued.pk, "status": "already queued or running"}
    assert not CustomerScore.objects.exists()


def test_a_run_left_running_for_hours_is_taken_as_dead(shop: list) -> None:
    stale = AnalyticsRun.objects.create(
        status=AnalyticsRun.Status.RUNNING, created_at=timezone.now() - dt.timedelta(hours=3)
    )
    assert analytics_nightly.call()["status"] == "done"
    stale.refresh_from_db()
    assert stale.status == AnalyticsRun.Status.FAILED and stale.error == "stopped without finishing"


def test_the_refresh_command_prints_figures_and_timings(shop: list) -> None:
    out = io.StringIO()
    call_command("analytics_refresh", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["figures"]["customers_scored"] == 2
    assert {"extract", "rfm", "clv_fit", "clv_predict", "loyalty", "write_back", "total"} <= set(printed["timings"])
    AnalyticsRun.objects.create()
    with pytest.raises(CommandError, match="already queued or running"):
        call_command("analytics_refresh", stdout=io.StringIO())


def test_two_refreshes_never_run_at_once(shop: list) -> None:
    import fcntl

    with open(extract.analytics_dir() / "refresh.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(ApplicationError, match="already running"):
            engine.analytics_refresh()
    assert not CustomerScore.objects.exists()


def test_a_failed_run_records_the_error(shop: list, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "_rfm", broken)
    run = AnalyticsRun.objects.create()
    with pytest.raises(RuntimeError):
        engine.analytics_run_execute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (AnalyticsRun.Status.FAILED, "RuntimeError: disk full")
    assert not CustomerScore.objects.exists()


def test_clv_fit_waits_for_no_refresh(shop: list) -> None:
    import fcntl

    with open(extract.analytics_dir() / "refresh.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(CommandError, match="already running"):
            call_command("clv_fit", "--calibration-end", "2026-01-01", "--json", stdout=io.StringIO())
