"""In-app notifications: any app posts one to a staff member; the top bar's bell lists the unread."""

from typing import Any

from django.db import IntegrityError, transaction

from setia.core.models import Notification


def notify(*, recipient: Any, text: str, url: str = "", key: str = "") -> Notification | None:
    """Post a notification. With a `key`, a second call with the same key for the same person
    posts nothing and returns None (a reminder is sent once, however often the job runs)."""
    if not recipient.is_active:
        return None
    if key and Notification.objects.filter(recipient=recipient, key=key).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(recipient=recipient, text=text[:255], url=url[:255], key=key)
    except IntegrityError:
        return None  # the same key posted by a concurrent run


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
