import pytest
from django.db import connection, transaction

from setia.accounts.models import Branch
from setia.core.bulk import hold_keys, row_checks_skippable
from setia.customers.models import Customer, CustomerPhone


@pytest.mark.django_db
def test_row_checks_are_skippable_only_for_a_superuser_on_tables_without_triggers_of_their_own() -> None:
    if connection.vendor != "postgresql":
        assert not row_checks_skippable(Customer)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    assert row_checks_skippable(Customer, CustomerPhone) is superuser
    with connection.cursor() as cursor:
        cursor.execute("CREATE FUNCTION test_bulk_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$")
        cursor.execute(
            "CREATE TRIGGER test_bulk_noop BEFORE INSERT ON customers_customerphone "
            "FOR EACH ROW EXECUTE FUNCTION test_bulk_noop()"
        )
    assert not row_checks_skippable(Customer, CustomerPhone)  # the trigger would be skipped too
    assert row_checks_skippable(Customer) is superuser


@pytest.mark.django_db(transaction=True)
def test_hold_keys_says_whether_every_row_exists_and_keeps_them_until_commit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    import threading

    from django.db import connections

    kept, gone = Branch.objects.create(name="A", code="a"), Branch.objects.create(name="B", code="b")
    gone_pk = gone.pk
    gone.delete()
    assert hold_keys(Branch, []) and hold_keys(Branch, [None])
    with transaction.atomic():
        assert hold_keys(Branch, [kept.pk, kept.pk])
        assert not hold_keys(Branch, [kept.pk, gone_pk])
        deleted: list[int] = []

        def delete() -> None:
            try:
                deleted.append(Branch.objects.filter(pk=kept.pk).delete()[0])
            finally:
                connections.close_all()

        other = threading.Thread(target=delete)
        other.start()
        other.join(timeout=1)
        assert other.is_alive() and not deleted  # waits for the lock
    other.join(timeout=10)
    assert deleted == [1]  # once the holder committed


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 7, 250, 251, 600])
def test_write_rows_inserts_every_row_with_its_constants_in_statements_of_many_rows(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from setia.core import bulk

    monkeypatch.setattr(bulk, "SQLITE_ROWS_PER_STATEMENT", 250)
    customer = Customer.objects.create(name="Ayu", search_name="ayu")
    rows = [(customer.pk, f"+62812{index:08d}", index == 0) for index in range(count)]
    with transaction.atomic():
        bulk.write_rows(CustomerPhone, ["customer_id", "number", "is_primary"], rows, {"label": "50% off's"})
    stored = list(CustomerPhone.objects.order_by("id").values_list("customer_id", "number", "is_primary", "label"))
    assert stored == [(*row, "50% off's") for row in rows]
    Customer.tags.through.objects.all().delete()
    from setia.customers.models import Tag

    tags = [Tag.objects.create(kind="label", name=f"T{index}") for index in range(3)]
    with transaction.atomic():
        bulk.insert_rows(Customer.tags.through, ["customer_id", "tag_id"], [(customer.pk, tag.pk) for tag in tags])
    assert sorted(customer.tags.values_list("name", flat=True)) == ["T0", "T1", "T2"]


@pytest.mark.django_db
def test_an_import_looks_its_keys_up_by_index_in_a_table_without_statistics() -> None:
    """Thousands of keys against a table nobody has analysed yet (one an import is filling): read
    through the index, never by scanning the table, as PostgreSQL chose to on its own."""
    from django.db import DatabaseError

    from setia.core.bulk import key_pairs, reading_indexes

    Customer.objects.bulk_create(Customer(name=f"Pelanggan {i}", external_id=f"X-{i}") for i in range(3000))
    keys = [f"X-{i}" for i in range(2000, 4000)]
    assert sorted(key for key, _pk in key_pairs(Customer._meta.db_table, "external_id", "id", keys)) == sorted(
        keys[:1000]
    )
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:5])
    Customer.objects.filter(pk=ids[0]).update(merged_into_id=ids[1])
    merged = key_pairs(Customer._meta.db_table, "id", "merged_into_id", ids, "merged_into_id IS NOT NULL")
    assert merged == [(ids[0], ids[1])]  # integer keys and a condition
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(keys))
            cursor.execute(
                f"EXPLAIN QUERY PLAN SELECT external_id, id FROM customers_customer WHERE external_id IN ({marks})",
                keys,
            )
            assert "SEARCH customers_customer USING COVERING INDEX" in str(cursor.fetchall())
            return
        query = (
            "EXPLAIN SELECT external_id, id FROM customers_customer WHERE external_id = ANY(string_to_array(%s, %s))"
        )
        cursor.execute(query, ["\x1f".join(keys), "\x1f"])
        assert "Seq Scan" in str(cursor.fetchall())  # the server's own choice
        with reading_indexes(cursor):
            cursor.execute(query, ["\x1f".join(keys), "\x1f"])
            plan = str(cursor.fetchall())
        assert "Seq Scan" not in plan and "customer_external_id_unique" in plan
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        with pytest.raises(DatabaseError), transaction.atomic(), reading_indexes(cursor):
            cursor.execute("SELECT 1 / 0")
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"  # the rollback reset it
