"""Importing past orders sees what its importer sees: a manager of one branch, where branches do
not share customers, cannot write into another branch or attach orders to its customers (nor
learn whether a phone number is theirs by the row's outcome). Both paths: Python on SQLite, the
server's on PostgreSQL."""

import csv
from pathlib import Path

import pytest

from setia.conftest import Business
from setia.customers.models import Customer, CustomerPhone
from setia.customers.selectors import customer_get
from setia.sales.models import Order
from setia.sales.services.imports import ImportOptions, orders_import, orders_import_check

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["customer_ref", "date", "amount", "branch"], *rows])
    return path


@pytest.fixture
def people(business: Business) -> dict[str, Customer]:
    kemang = Customer.objects.create(name="Siti", search_name="siti", home_branch=business.branch_a, external_id="K-1")
    dago = Customer.objects.create(name="Ayu", search_name="ayu", home_branch=business.branch_b, external_id="D-1")
    CustomerPhone.objects.create(customer=dago, number="+6288128576139", is_primary=True)
    return {"kemang": kemang, "dago": dago}


def test_a_manager_imports_only_into_her_branches_and_for_their_customers(
    business: Business, people: dict[str, Customer], tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        [
            ["K-1", "2025-03-01", "100000", "kmg"],  # hers
            ["K-1", "2025-03-02", "100000", "dgo"],  # her customer, into Dago: not hers
            ["D-1", "2025-03-03", "100000", "kmg"],  # Dago's customer by external id
            ["0881-2857-6139", "2025-03-04", "100000", ""],  # Dago's customer by phone
        ],
    )
    manager = business.manager  # manages Kemang only
    checked = orders_import_check(actor=manager, path=path, options=ImportOptions())
    assert (checked.valid_rows, checked.invalid_rows) == (1, 3)
    reasons = dict(checked.errors)
    assert "no branch with code dgo" in reasons[3]
    assert "no customer with external id, phone or email “D-1”" in reasons[4]
    assert "no customer with external id, phone or email “0881-2857-6139”" in reasons[5]
    created = orders_import(actor=manager, path=path, options=ImportOptions(skip_invalid=True))
    assert created.orders_created == 1
    assert list(Order.objects.values_list("customer_id", "branch_id")) == [(people["kemang"].pk, business.branch_a.pk)]
    # The owner sees every branch: the same file is whole for her (bar the row imported already).
    owner = orders_import_check(actor=business.owner, path=path, options=ImportOptions())
    assert owner.invalid_rows == 0


def test_a_manager_does_not_create_a_second_customer_for_another_branch_s_external_id(
    business: Business, people: dict[str, Customer], tmp_path: Path
) -> None:
    path = _file(tmp_path, [["D-1", "2025-03-03", "100000", "kmg"], ["NEW-7", "2025-03-04", "50000", "kmg"]])
    options = ImportOptions(create_missing_customers=True, skip_invalid=True)
    checked = orders_import_check(actor=business.manager, path=path, options=options)
    assert (checked.valid_rows, checked.invalid_rows, checked.customers_created) == (1, 1, 1)
    assert "“D-1”" in dict(checked.errors)[2]
    result = orders_import(actor=business.manager, path=path, options=options)
    assert (result.orders_created, result.customers_created) == (1, 1)
    assert Customer.objects.filter(external_id="D-1").count() == 1
    assert not Order.objects.filter(customer=people["dago"]).exists()
    assert Order.objects.values_list("customer__external_id", flat=True).get() == "NEW-7"
    # The customer made for her belongs to the branch of her order: the manager finds her.
    new = Customer.objects.get(external_id="NEW-7")
    assert new.home_branch_id == business.branch_a.pk
    assert customer_get(actor=business.manager, pk=new.pk) == new


def test_customers_made_by_an_import_belong_to_the_branch_of_their_first_order(
    business: Business, tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        [
            ["NEW-1", "2025-03-01", "100000", "dgo"],
            ["NEW-1", "2025-03-02", "100000", "kmg"],
            ["NEW-2", "2025-03-03", "100000", ""],  # no branch: the import's default
        ],
    )
    options = ImportOptions(create_missing_customers=True, branch_code="kmg")
    result = orders_import(actor=business.owner, path=path, options=options)
    assert (result.orders_created, result.customers_created) == (3, 2)
    homes = dict(Customer.objects.filter(external_id__startswith="NEW-").values_list("external_id", "home_branch"))
    assert homes == {"NEW-1": business.branch_b.pk, "NEW-2": business.branch_a.pk}


def test_a_manager_cannot_choose_another_branch_as_the_default(
    business: Business, people: dict[str, Customer], tmp_path: Path
) -> None:
    from setia.core.errors import ApplicationError

    path = _file(tmp_path, [["K-1", "2025-03-01", "100000", ""]])
    with pytest.raises(ApplicationError, match="dgo"):
        orders_import_check(actor=business.manager, path=path, options=ImportOptions(branch_code="dgo"))


def test_the_upload_page_offers_only_her_branches(business: Business) -> None:
    from django.urls import reverse

    from setia.conftest import client_for

    page = client_for(business.manager).get(reverse("sales:order_import_start"))
    offered = list(page.context["form"].fields["branch"].queryset)
    assert offered == [business.branch_a]
    owner = client_for(business.owner).get(reverse("sales:order_import_start"))
    assert set(owner.context["form"].fields["branch"].queryset) == {business.branch_a, business.branch_b}
    # Chosen to begin with, by name: the branch rows without one go to (the first by id), not "the
    # first branch" of a list sorted by name.
    assert owner.context["form"]["branch"].value() == business.branch_a.pk
    html = owner.content.decode()
    assert f'<option value="{business.branch_a.pk}" selected>{business.branch_a.name}</option>' in html
    assert '<option value="" ' not in html and "`branch`" not in html
