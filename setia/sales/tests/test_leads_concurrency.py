"""Round robin under load: leads arriving at the same moment, from real threads with their own
PostgreSQL connections, still take turns (run by `make test-postgres`)."""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from setia.conftest import Business, make_user
from setia.core.models import Notification
from setia.sales.models import Lead, LeadAssignmentRule, LeadSource, RoundRobinCursor
from setia.sales.services.leads import lead_submit_form

THREADS = 24


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_leads_sent_at_the_same_moment_alternate_between_sales_staff(business: Business) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    sales = [make_user(f"sales_{n}", "sales", business.branch_a) for n in range(3)]
    source = LeadSource.objects.create(name="Website", form_enabled=True, branch=business.branch_a)
    LeadAssignmentRule.objects.create(branch=business.branch_a, source=source)
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []

    def send(number: int) -> None:
        try:
            barrier.wait()
            lead_submit_form(source=source, name=f"Lead {number}", phone=f"0812{number:08d}")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(error))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    owners = Counter(Lead.objects.values_list("owner__username", flat=True))
    # Each lead took the next person in turn while holding the branch's cursor: an even share.
    assert owners == {user.username: THREADS // 3 for user in sales}
    assert RoundRobinCursor.objects.filter(branch=business.branch_a).count() == 1
    assert Notification.objects.count() == THREADS
