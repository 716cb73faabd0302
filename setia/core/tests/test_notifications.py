import pytest

from setia.conftest import Business
from setia.core.models import Notification
from setia.core.notifications import notify, unread_count


@pytest.mark.django_db
def test_notify_posts_once_per_key_and_counts_unread(business: Business) -> None:
    first = notify(recipient=business.cashier_a, text="Follow up Bu Sari", url="/leads/1/", key="lead:1")
    again = notify(recipient=business.cashier_a, text="Follow up Bu Sari", url="/leads/1/", key="lead:1")
    notify(recipient=business.cashier_a, text="Without a key")
    notify(recipient=business.cashier_a, text="Without a key")

    assert first is not None and again is None
    assert unread_count(business.cashier_a) == 3
    assert unread_count(business.cashier_b) == 0
    assert Notification.objects.filter(recipient=business.cashier_a, key="lead:1").count() == 1


@pytest.mark.django_db
def test_inactive_staff_get_no_notifications(business: Business) -> None:
    business.cashier_b.is_active = False
    business.cashier_b.save()

    assert notify(recipient=business.cashier_b, text="Hello") is None
    assert unread_count(business.cashier_b) == 0
