"""Custom-field filter indexes and the name-contains index: exact results, and the index exists
and is the one the database uses."""

from typing import Any

import pytest
from django.db import connection

from setia.conftest import Business
from setia.core.pagination import keyset_page
from setia.customers import name_search
from setia.customers.merge import customers_merge
from setia.customers.models import Customer, CustomFieldDefinition
from setia.customers.selectors import ListFilters, customer_list, search_customers
from setia.customers.services import (
    ContactPoints,
    PhoneIn,
    custom_field_archive,
    custom_field_create,
    custom_field_delete,
    customer_create,
    customer_update,
)


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers_customer'")
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer'")
        return {row[0] for row in cursor.fetchall()}


def _statistics() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE 'customer_cf_%%'")
        return {row[0] for row in cursor.fetchall()}


def _plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # Enough rows, with fresh statistics, that a plan reading the table is the costly one.
        Customer.objects.bulk_create(
            Customer(name=f"Isi {index}", search_name=f"isi {index}", custom={"x": index}) for index in range(5000)
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before a later CREATE INDEX
        cursor.execute("ANALYZE customers_customer")
        # New GIN entries wait in a pending list that the planner prices as read on every search.
        cursor.execute("SELECT gin_clean_pending_list('customer_live_name_trgm_idx')")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


_number = iter(range(10_000))


def _customer(business: Business, name: str, **extra: Any) -> Customer:
    return customer_create(
        actor=business.owner,
        name=name,
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn(f"0812-7000-{next(_number):04d}")]),
        **extra,
    )


def _names(business: Business, **custom: str) -> list[str]:
    page = keyset_page(
        customer_list(actor=business.owner, filters=ListFilters(custom=custom)), order=("search_name", "id")
    )
    return [customer.name for customer in page.rows]


FIELDS = [
    ("tinggi", "integer", {}),
    ("berat", "decimal", {}),
    ("lahir_anak", "date", {}),
    ("member_lama", "boolean", {}),
    ("kulit", "choice", {"choices": ["Normal", "Kering"]}),
    ("catatan_kulit", "text", {}),
    ("minat", "multi_choice", {"choices": ["Spa", "Pijat", "Facial"]}),
]


def test_custom_field_filters_are_exact_for_every_type(business: Business) -> None:
    for key, field_type, extra in FIELDS:
        custom_field_create(actor=business.owner, key=key, label=key, field_type=field_type, **extra)
    _customer(
        business,
        "Ayu",
        custom={
            "tinggi": "160",
            "berat": "61,5",
            "lahir_anak": "01/02/2020",
            "member_lama": "ya",
            "kulit": "normal",
            "catatan_kulit": "Sensitif di pipi",
            "minat": "Spa;Pijat",
        },
    )
    _customer(
        business,
        "Budi",
        custom={
            "tinggi": "1600",
            "berat": "61.50",
            "lahir_anak": "2020-02-02",
            "member_lama": "tidak",
            "kulit": "Kering",
            "catatan_kulit": "kering",
            "minat": "Facial",
        },
    )
    _customer(business, "Citra", custom={"tinggi": "16", "berat": "6.15"})
    _customer(business, "Dewi")
    assert _names(business, tinggi="160") == ["Ayu"]
    assert _names(business, tinggi="1.600") == ["Budi"]  # typed with a thousands dot
    assert _names(business, tinggi="16") == ["Citra"]
    assert _names(business, tinggi="abc") == []
    assert _names(business, berat="61,5") == ["Ayu"]  # stored canonically: "61.5" and "61.50" differ
    assert _names(business, berat="61.50") == ["Budi"]
    assert _names(business, berat="6,15") == ["Citra"]
    assert _names(business, lahir_anak="2020-02-01") == ["Ayu"]
    assert _names(business, lahir_anak="02/02/2020") == ["Budi"]
    assert _names(business, member_lama="yes") == ["Ayu"]
    assert _names(business, member_lama="no") == ["Budi"]
    assert _names(business, kulit="NORMAL") == ["Ayu"]
    assert _names(business, kulit="Kering") == ["Budi"]
    assert _names(business, catatan_kulit="kering") == ["Budi"]
    assert _names(business, catatan_kulit="pipi") == ["Ayu"]
    assert _names(business, minat="Spa") == ["Ayu"]
    assert _names(business, minat="Facial") == ["Budi"]
    assert _names(business, tinggi="160", kulit="Normal") == ["Ayu"]
    assert _names(business, tinggi="160", kulit="Kering") == []


def test_defining_a_field_creates_its_index_and_the_filter_uses_it(business: Business) -> None:
    before = _index_names()
    weight = custom_field_create(actor=business.owner, key="berat_badan", label="Berat", field_type="decimal")
    custom_field_create(actor=business.owner, key="catatan", label="Catatan", field_type="text")
    assert _index_names() - before == {"customer_cf_berat_badan"}  # text is a contains search: no index
    assert _statistics() == ({"customer_cf_berat_badan_stats"} if connection.vendor == "postgresql" else set())
    _customer(business, "Ayu", custom={"berat_badan": "75,5"})
    filtered = customer_list(actor=business.owner, filters=ListFilters(custom={"berat_badan": "75,5"}))
    assert "customer_cf_berat_badan" in _plan(filtered.order_by("search_name", "id")[:51])
    custom_field_archive(actor=business.owner, definition=weight)
    assert "customer_cf_berat_badan" not in _index_names()
    custom_field_archive(actor=business.owner, definition=weight, archived=False)
    assert "customer_cf_berat_badan" in _index_names()
    custom_field_delete(
        actor=business.owner, definition=CustomFieldDefinition.objects.get(pk=weight.pk), confirm_value_count=1
    )
    assert _index_names() == before
    assert _statistics() == set()


def _found(business: Business, query: str) -> list[str]:
    return [customer.name for customer in search_customers(actor=business.owner, query=query)]


def _listed(business: Business, query: str) -> list[str]:
    page = keyset_page(
        customer_list(actor=business.owner, filters=ListFilters(query=query)), order=("search_name", "id")
    )
    return [customer.name for customer in page.rows]


@pytest.mark.parametrize("dense", [False, True], ids=["by-index", "by-name-walk"])
def test_name_contains_follows_creates_updates_merges_and_archives(
    business: Business, dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if dense:  # as when very many customers match: the name index is walked with LIKE instead
        monkeypatch.setattr(name_search, "MAX_IDS", 0)
    siti = _customer(business, "Siti Nurhalizá")
    _customer(business, "Budi Santoso")
    anwar = _customer(business, "Anwar Nurhadi")
    assert _found(business, "nurha") == ["Anwar Nurhadi", "Siti Nurhalizá"]
    assert _found(business, "NURHALIZA") == ["Siti Nurhalizá"]  # case and accents ignored
    assert _found(business, "ti nurh") == ["Siti Nurhalizá"]
    assert _listed(business, "urhal") == ["Siti Nurhalizá"]
    assert _listed(business, "anto") == ["Budi Santoso"]
    siti = customer_update(actor=business.owner, customer=siti, version=siti.version, name="Siti Rahayu")
    assert _found(business, "nurha") == ["Anwar Nurhadi"]
    assert _found(business, "rahay") == ["Siti Rahayu"]
    assert _listed(business, "ahayu") == ["Siti Rahayu"]
    twin = _customer(business, "Anwar Nurhadi Jr")
    customers_merge(actor=business.owner, survivor=anwar, merged=twin)
    assert _found(business, "nurhadi") == ["Anwar Nurhadi"]
    Customer.objects.filter(pk=siti.pk).update(archived_at=anwar.created_at)
    assert _listed(business, "ahayu") == []


def test_name_contains_index_is_kept_and_used(business: Business) -> None:
    siti = _customer(business, "Siti Nurhaliza")
    _customer(business, "Budi Santoso")
    customer_update(actor=business.owner, customer=siti, version=siti.version, notes="no name change")
    if connection.vendor == "postgresql":
        live = Customer.objects.filter(merged_into__isnull=True, archived_at__isnull=True)
        assert "customer_live_name_trgm_idx" in _plan(live.filter(search_name__contains="nurha"))
        return
    assert name_search.candidate_ids("nurha") == [siti.pk]
    assert name_search.candidate_ids("nu") is None  # no trigram: the caller walks the name index
    Customer.objects.filter(pk=siti.pk).delete()
    assert name_search.candidate_ids("nurha") == []
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {name_search.FTS_TABLE}({name_search.FTS_TABLE}) VALUES ('integrity-check')")
