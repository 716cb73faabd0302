"""In-app notifications: any app posts one to a staff member; the top bar's bell lists the unread."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

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


def notification_list(*, user: Any, read_limit: int = 50) -> list[Notification]:
    """The user's own notifications: every unread one (newest first, at most 200), then the
    latest `read_limit` read ones."""
    if not getattr(user, "is_authenticated", False):
        return []
    inbox = Notification.objects.filter(recipient=user)
    unread = list(inbox.filter(read_at__isnull=True).order_by("-created_at", "-id")[:200])
    read = list(inbox.filter(read_at__isnull=False).order_by("-created_at", "-id")[:read_limit])
    return unread + read


def notification_mark_read(*, user: Any, pk: int) -> Notification | None:
    """Mark one of the user's own notifications read; None when it is not theirs (or gone)."""
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
