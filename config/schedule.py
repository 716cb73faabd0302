"""Every job of the product, in one place: the periodic ones (`SCHEDULE`, cron expressions in
Asia/Jakarta time) and those a person starts (`ON_DEMAND`), each with its name on the jobs page.

The scheduler (`manage.py run_scheduler`, started by `make run`) enqueues each job once per slot,
even when several schedulers run; the worker (`manage.py db_worker`) runs it.
"""

from django.utils.translation import gettext_lazy as _

from setia.core.scheduler import Job

SCHEDULE = [
    Job(
        "clear_expired_sessions", "15 3 * * *", "setia.core.tasks.clear_expired_sessions", _("Remove expired sessions")
    ),
    Job(
        "prune_task_results",
        "30 3 * * *",
        "setia.core.tasks.prune_task_results",
        _("Delete job results older than 30 days"),
    ),
    Job(
        "cull_scheduler_history",
        "45 3 * * 0",
        "setia.core.tasks.cull_scheduler_history",
        _("Trim the schedule history"),
    ),
    Job(
        "customers_duplicate_scan",
        "0 1 * * *",
        "setia.customers.tasks.scan_duplicates",
        _("Customers: find likely duplicates (same phone, email, or name in one city)"),
    ),
    Job(
        "loyalty_nightly",
        "30 1 * * *",
        "setia.loyalty.tasks.loyalty_nightly",
        _("Loyalty: expire points, birthday points, tier review, balance check"),
    ),
    Job(
        "analytics_nightly",
        "0 2 * * *",
        "setia.analytics.tasks.analytics_nightly",
        _("Customer analytics: RFM, lifetime value, churn risk and loyalty index"),
    ),
    Job(
        "quotes_expire",
        "10 2 * * *",
        "setia.sales.tasks.quotes.quotes_expire",
        _("Quotes: sent quotes past their validity date become expired"),
    ),
    Job(
        "activity_reminders",
        "*/5 * * * *",
        "setia.sales.tasks.activities.activity_reminders",
        _("Activities: send due reminders"),
    ),
    Job(
        "activity_digest",
        "0 7 * * *",
        "setia.sales.tasks.activities.activity_digest",
        _("Activities: morning email of what is due today"),
    ),
    Job(
        "activity_digest_retry",
        "*/15 7-11 * * *",
        "setia.sales.tasks.activities.activity_digest_retry",
        _("Activities: send again the morning emails that failed"),
    ),
]

ON_DEMAND = {
    "setia.customers.tasks.check_customer_import": _("Customer import: check the file"),
    "setia.customers.tasks.run_customer_import": _("Customer import: import"),
    "setia.sales.tasks.imports.order_import_check_job": _("Order import: check the file"),
    "setia.sales.tasks.imports.order_import_run_job": _("Order import: import"),
    "setia.loyalty.tasks.loyalty_check": _("Loyalty: balance check"),
    "setia.loyalty.tasks.loyalty_tiers_reevaluate": _("Loyalty: re-evaluate tiers"),
    "setia.analytics.tasks.analytics_refresh_run": _("Customer analytics: refresh"),
}
