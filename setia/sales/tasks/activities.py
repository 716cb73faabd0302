"""Activity reminders (every 5 minutes) and the morning digest (07:00 Asia/Jakarta, with the
digests whose email failed tried again every 15 minutes until noon)."""

from django.tasks import task


@task
def activity_reminders() -> int:
    """Post the reminders that have come due. Safe to run twice: each is posted once."""
    from setia.sales.services.activities import reminders_send

    return reminders_send()


@task
def activity_digest() -> int:
    """Email each staff member what they have due today (at most once a day each)."""
    from setia.sales.services.activities import digest_send

    return digest_send()


@task
def activity_digest_retry() -> int:
    """Send today's digests whose email failed earlier (each at most once a day)."""
    from setia.sales.services.activities import digests_retry

    return digests_retry()
