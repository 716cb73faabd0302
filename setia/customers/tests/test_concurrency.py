"""Real threads against PostgreSQL (run by `make test-postgres`)."""

import threading

import pytest
from django.db import close_old_connections, connection

from setia.conftest import Business
from setia.core.errors import ApplicationError
from setia.customers.models import Customer
from setia.customers.services import customer_create, customer_update


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_version_do_not_overwrite_each_other(business: Business) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("concurrency tests run on PostgreSQL (make test-postgres)")
    customer = customer_create(actor=business.owner, name="Ayu", home_branch=business.branch_a)
    editors = [
        business.owner,
        business.manager,
        business.cashier_a,
        business.owner,
        business.manager,
        business.cashier_a,
    ]
    barrier = threading.Barrier(len(editors))
    outcomes: list[str] = []

    def edit(index: int) -> None:
        try:
            barrier.wait()
            customer_update(actor=editors[index], customer=customer, version=1, occupation=f"pekerjaan {index}")
            outcomes.append(f"saved {index}")
        except ApplicationError as error:
            outcomes.append("refused" if "version" in error.extra else f"other: {error.message}")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(len(editors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(saved) == 1 and outcomes.count("refused") == len(editors) - 1
    final = Customer.objects.get(pk=customer.pk)
    assert final.version == 2 and final.occupation == f"pekerjaan {saved[0].split()[1]}"
