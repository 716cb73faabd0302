"""Every periodic job of the product, in one place. Cron expressions are in Asia/Jakarta time.

The scheduler (`manage.py run_scheduler`, started by `make run`) enqueues each job once per slot,
even when several schedulers run; the worker (`manage.py db_worker`) runs it.
"""

from setia.core.scheduler import Job

SCHEDULE = [
    Job("clear_expired_sessions", "15 3 * * *", "setia.core.tasks.clear_expired_sessions"),
    Job("prune_task_results", "30 3 * * *", "setia.core.tasks.prune_task_results"),
    Job("cull_scheduler_history", "45 3 * * 0", "setia.core.tasks.cull_scheduler_history"),
]
