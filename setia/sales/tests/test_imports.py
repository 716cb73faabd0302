"""The historical order import (service and `import_orders` command), on SQLite and PostgreSQL."""

import csv
import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from setia.catalog.models import Category, Product
from setia.conftest import Business
from setia.customers.models import Customer, CustomerPhone
from setia.loyalty.models import LoyaltySettings, Membership, PointsEntry, QualifyingActivity, Tier, WalletEntry
from setia.loyalty.services.membership import membership_join
from setia.sales.models import Order, OrderLine
from setia.sales.services import imports
from setia.sales.services.imports import ImportOptions, orders_import, orders_import_check


@pytest.fixture
def salon(business: Business) -> dict:
    hair = Category.objects.create(name="Rambut")
    creambath = Product.objects.create(
        kind="service", name="Creambath", sku="CB-01", price=150_000, category=hair, duration_minutes=60
    )
    shampoo = Product.objects.create(name="Sampo", price=45_000, category=hair)
    LoyaltySettings.objects.create(pk=1)  # 1 point per Rp 10.000
    Tier.objects.create(name="Silver", rank=0)
    siti = Customer.objects.create(
        name="Siti Rahma", search_name="siti rahma", home_branch=business.branch_a, external_id="POS-1"
    )
    budi = Customer.objects.create(name="Budi", search_name="budi", home_branch=business.branch_a, external_id="POS-2")
    CustomerPhone.objects.create(customer=budi, number="+6281234567890", is_primary=True)
    return {"hair": hair, "creambath": creambath, "shampoo": shampoo, "siti": siti, "budi": budi}


def _file(tmp_path: Path, rows: list[list[str]], name: str = "orders.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _snapshot() -> list[tuple]:
    return list(
        Order.objects.order_by("id").values_list(
            "number", "customer_id", "branch_id", "business_date", "placed_at", "total", "idempotency_key"
        )
    ) + list(OrderLine.objects.order_by("id").values_list("order_id", "description", "total"))


def test_minimal_file_imports_exact_values_and_rerun_changes_nothing(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(
        tmp_path,
        [["customer_ref", "date", "amount"], ["POS-1", "2024-03-15", "150000"], ["POS-2", "2023-12-31", "75000"]],
    )
    result = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (result.rows, result.valid_rows, result.invalid_rows) == (2, 2, 0)
    assert (result.orders_created, result.lines_created, result.customers_created) == (2, 2, 0)
    assert result.report is None
    first, second = Order.objects.order_by("id")
    assert first.number == f"IMP-{first.pk}"
    assert (first.customer_id, first.branch_id, first.total, first.subtotal, first.discount_total) == (
        salon["siti"].pk,
        business.branch_a.pk,  # the first active branch
        150_000,
        150_000,
        0,
    )
    assert first.business_date == dt.date(2024, 3, 15)
    assert first.placed_at == dt.datetime(2024, 3, 15, 5, 0, tzinfo=dt.UTC)  # noon in Jakarta
    assert (first.imported, first.status, first.kind, first.channel) == (True, "fulfilled", "sale", "outlet")
    assert first.created_by_id == business.owner.pk
    assert str(first.idempotency_key).startswith("import:row:")
    assert (first.points_earned, first.cashback_earned) == (0, 0)
    line = OrderLine.objects.get(order=first)
    assert (line.description, line.quantity, line.unit_price, line.discount, line.total, line.product_id) == (
        "Imported purchase",
        1,
        150_000,
        0,
        150_000,
        None,
    )
    assert second.business_date == dt.date(2023, 12, 31)
    before = _snapshot()
    from setia.sales.services import imports_sql

    def no_ranges(*args: object) -> None:
        raise AssertionError("a re-run with nothing new walks no write ranges")

    monkeypatch.setattr(imports_sql, "_ranges", no_ranges)  # PostgreSQL's path; SQLite never calls it
    again = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (again.orders, again.orders_existing, again.orders_created, again.lines_created) == (2, 2, 0, 0)
    assert _snapshot() == before


def test_dates_are_calendar_dates_everywhere(business: Business, salon: dict, tmp_path: Path) -> None:
    """New Year's Eve and New Year's Day stay apart, in the order, its local time and the loyalty
    history (a date read as UTC midnight would shift to the day before in Jakarta, UTC+7)."""
    membership_join(actor=business.owner, customer=salon["siti"])
    path = _file(
        tmp_path,
        [["customer_ref", "date", "amount"], ["POS-1", "2023-12-31", "100000"], ["POS-1", "2024-01-01", "100000"]],
    )
    orders_import(actor=business.owner, path=path, options=ImportOptions(apply_loyalty=True))
    orders = list(Order.objects.order_by("business_date"))
    assert [order.business_date for order in orders] == [dt.date(2023, 12, 31), dt.date(2024, 1, 1)]
    assert [timezone.localtime(order.placed_at).date() for order in orders] == [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
    ]
    assert list(QualifyingActivity.objects.order_by("occurred_on").values_list("occurred_on", flat=True)) == [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 1),
    ]


def test_optional_columns_group_lines_into_orders(business: Business, salon: dict, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        [
            ["customer_ref", "date", "amount", "branch", "channel", "order_ref", "product", "quantity", "unit_price"],
            ["POS-1", "2024-05-01", "150000", "dgo", "phone", "A-100", "cb-01", "1", "150000"],
            ["POS-1", "2024-05-01", "80000", "dgo", "phone", "A-100", "Sampo", "2", "45000"],
            ["+62 812-3456-7890", "2024-05-02", "45000", "", "", "A-101", "sampo", "", ""],
        ],
    )
    result = orders_import(actor=business.owner, path=path, options=ImportOptions(branch_code="KMG"))
    assert (result.orders_created, result.lines_created, result.invalid_rows) == (2, 3, 0)
    grouped = Order.objects.get(idempotency_key="import:A-100")
    assert (grouped.customer_id, grouped.branch_id, grouped.channel, grouped.note) == (
        salon["siti"].pk,
        business.branch_b.pk,
        "phone",
        "A-100",
    )
    assert (grouped.subtotal, grouped.discount_total, grouped.total) == (240_000, 10_000, 230_000)
    assert list(
        grouped.lines.values_list("product_id", "category_id_at_sale", "description", "quantity", "unit_price", "total")
    ) == [
        (salon["creambath"].pk, salon["hair"].pk, "Creambath", 1, 150_000, 150_000),
        (salon["shampoo"].pk, salon["hair"].pk, "Sampo", 2, 45_000, 80_000),
    ]
    by_phone = Order.objects.get(idempotency_key="import:A-101")
    assert (by_phone.customer_id, by_phone.branch_id, by_phone.total) == (
        salon["budi"].pk,
        business.branch_a.pk,
        45_000,
    )


def test_bad_rows_are_listed_and_nothing_is_imported(business: Business, salon: dict, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        [
            ["customer_ref", "date", "amount", "order_ref", "product"],
            ["POS-1", "2024-01-05", "100000", "", ""],
            ["NOPE", "2024-01-05", "100000", "", ""],
            ["POS-1", "05/01/2024", "100000", "", ""],
            ["POS-1", "2024-02-30", "100000", "", ""],
            ["POS-1", "2024-01-05", "12.5", "", ""],
            ["POS-1", "2024-01-05", "-5000", "", ""],
            ["POS-1", "2024-01-05", "0", "", ""],
            ["POS-1", "2024-01-05", "50000", "B-1", "Keramas ajaib"],
            ["POS-1", "2024-01-05", "50000", "B-2", ""],
            ["POS-1", "2024-01-06", "50000", "B-2", ""],
            ["POS-1", "2099-01-01", "50000", "", ""],
        ],
    )
    out = StringIO()
    with pytest.raises(CommandError, match="10 rows have errors; nothing was imported"):
        call_command("import_orders", str(path), stdout=out)
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    text = out.getvalue()
    assert "11 rows: 1 valid, 10 with errors" in text
    expected = [
        (3, "no customer with external id, phone or email “NOPE”"),
        (4, "date “05/01/2024” is not a date in the form YYYY-MM-DD"),
        (5, "date “2024-02-30” does not exist"),
        (6, "amount “12.5” is not a whole number (Rupiah without separators or decimals)"),
        (7, "amount must not be negative"),
        (8, "amount must be greater than zero"),
        (9, "no product with code or name “Keramas ajaib”"),
        (10, "row 11 of the same order has an error"),
        (11, "date differs from row 10 of the same order"),
        (12, "date 2099-01-01 is in the future"),
    ]
    for number, reason in expected:
        assert f"  row {number}: {reason}" in text
    with (tmp_path / "orders.csv.skipped.csv").open(encoding="utf-8") as handle:
        report = list(csv.reader(handle))
    assert report[0] == ["customer_ref", "date", "amount", "order_ref", "product", "row", "error"]
    assert [(row[5], row[6]) for row in report[1:]] == [(str(number), reason) for number, reason in expected]
    assert report[5][2] == "'-5000"  # not a spreadsheet formula

    out = StringIO()
    call_command("import_orders", str(path), "--skip-invalid", stdout=out)
    assert "created 1 orders with 1 lines, 0 customers; skipped 10 rows" in out.getvalue()
    assert list(Order.objects.values_list("customer_id", "total")) == [(salon["siti"].pk, 100_000)]


def test_rows_of_an_order_must_be_kept_together(business: Business, salon: dict, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        [
            ["customer_ref", "date", "amount", "order_ref"],
            ["POS-1", "2024-01-05", "1000", "C-1"],
            ["POS-1", "2024-01-05", "1000", "C-2"],
            ["POS-1", "2024-01-05", "1000", "C-1"],
        ],
    )
    result = orders_import_check(actor=business.owner, path=path, options=ImportOptions())
    assert result.errors == [
        (2, "row 4 of the same order has an error"),
        (4, "order_ref C-1 appears earlier in the file: keep an order's rows together"),
    ]


def test_missing_customers_are_created_only_when_asked(business: Business, salon: dict, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        [["customer_ref", "date", "amount"], ["LAMA-7", "2022-06-01", "20000"], ["LAMA-7", "2022-07-01", "30000"]],
    )
    result = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert not result.applied and result.invalid_rows == 2 and Customer.objects.count() == 2
    check = orders_import_check(actor=business.owner, path=path, options=ImportOptions(create_missing_customers=True))
    assert (check.invalid_rows, check.customers_created) == (0, 1) and Customer.objects.count() == 2

    out = StringIO()
    call_command("import_orders", str(path), "--create-missing-customers", stdout=out)
    assert "created 2 orders with 2 lines, 1 customers" in out.getvalue()
    created = Customer.objects.get(external_id="LAMA-7")
    assert (created.name, created.source, created.notes) == ("LAMA-7", "import", imports.NO_CONTACT_NOTE)
    # Her home branch is the branch of her first order, so that branch's staff see her.
    assert created.home_branch_id == Order.objects.order_by("business_date").first().branch_id  # type: ignore[union-attr]
    assert not created.phones.exists() and not created.emails.exists() and not created.addresses.exists()
    assert list(Order.objects.order_by("business_date").values_list("customer_id", "total")) == [
        (created.pk, 20_000),
        (created.pk, 30_000),
    ]
    call_command("import_orders", str(path), "--create-missing-customers", stdout=StringIO())
    assert Customer.objects.filter(external_id="LAMA-7").count() == 1 and Order.objects.count() == 2


def test_loyalty_only_with_apply_loyalty(business: Business, salon: dict, tmp_path: Path) -> None:
    member = membership_join(actor=business.owner, customer=salon["siti"])
    quiet = _file(tmp_path, [["customer_ref", "date", "amount"], ["POS-1", "2024-02-01", "150000"]], "quiet.csv")
    call_command("import_orders", str(quiet), stdout=StringIO())
    assert Order.objects.get().points_earned == 0
    assert not PointsEntry.objects.exists() and not QualifyingActivity.objects.exists()
    assert not WalletEntry.objects.exists()

    loud = _file(
        tmp_path,
        [["customer_ref", "date", "amount", "order_ref"], ["POS-1", "2024-02-02", "250000", "X-1"]],
        "loud.csv",
    )
    out = StringIO()
    call_command("import_orders", str(loud), "--apply-loyalty", stdout=out)
    assert "points earned 25" in out.getvalue()
    order = Order.objects.get(idempotency_key="import:X-1")
    assert order.points_earned == 25
    assert list(PointsEntry.objects.values_list("kind", "points", "source")) == [
        ("earn", 25, f"sales.order:{order.pk}")
    ]
    member.refresh_from_db()
    assert member.points_balance == 25
    call_command("import_orders", str(loud), "--apply-loyalty", stdout=StringIO())
    member.refresh_from_db()
    assert member.points_balance == 25 and PointsEntry.objects.count() == 1
    assert Membership.objects.count() == 1


def test_only_import_permission_holders(business: Business, salon: dict, tmp_path: Path) -> None:
    from setia.core.errors import ApplicationError

    path = _file(tmp_path, [["customer_ref", "date", "amount"], ["POS-1", "2024-02-01", "1"]])
    with pytest.raises(ApplicationError):
        orders_import(actor=business.cashier_a, path=path, options=ImportOptions())
    assert Order.objects.count() == 0


def test_missing_columns_and_unknown_branch_are_refused(business: Business, salon: dict, tmp_path: Path) -> None:
    path = _file(tmp_path, [["customer_ref", "amount"], ["POS-1", "1000"]])
    with pytest.raises(CommandError, match="missing: date"):
        call_command("import_orders", str(path), stdout=StringIO())
    good = _file(tmp_path, [["customer_ref", "date", "amount"], ["POS-1", "2024-01-01", "1000"]], "good.csv")
    with pytest.raises(CommandError, match="No active branch with code zzz"):
        call_command("import_orders", str(good), "--branch", "zzz", stdout=StringIO())
    assert Order.objects.count() == 0


def test_chunks_end_at_order_boundaries(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)
    rows = [["customer_ref", "date", "amount", "order_ref"]]
    rows += [["POS-1", "2024-01-01", "1000", "D-1"]] * 3 + [["POS-2", "2024-01-02", "2000", "D-2"]] * 2
    rows += [["POS-2", "2024-01-03", "3000", ""]] * 2  # two identical purchases: both kept
    path = _file(tmp_path, rows)
    result = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (result.orders_created, result.lines_created, result.invalid_rows) == (4, 7, 0)
    assert list(Order.objects.order_by("id").values_list("total", flat=True)) == [3000, 4000, 3000, 3000]
    again = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (again.orders_existing, again.orders_created) == (4, 0)


def test_the_column_list_matches_the_models() -> None:
    # A column the import leaves out must have a database default (the discounts by kind: an
    # imported order's split is unknown, 0).
    defaulted = {f.column for f in Order._meta.concrete_fields if f.has_db_default()}
    assert set(imports.ORDER_COLUMNS) == {f.column for f in Order._meta.concrete_fields} - defaulted
    assert set(imports.LINE_COLUMNS) == {f.column for f in OrderLine._meta.concrete_fields if not f.primary_key}


def test_the_import_writes_what_the_check_read_without_reading_the_file_again(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(
        tmp_path,
        [
            ["customer_ref", "date", "amount", "order_ref", "product", "quantity", "unit_price"],
            ["POS-1", "2024-01-01", "280000", "R-1", "CB-01", "2", "150000"],
            ["POS-1", "2024-01-01", "45000", "R-1", "Sampo", "1", ""],
            ["POS-2", "2024-01-02", "45000", "R-2", "sampo", "1", "45000"],
        ],
    )
    real_check = imports._check
    parsed: list[int] = []

    def count_parses(*args: object, **kwargs: object) -> imports.ImportResult:
        parsed.append(1)
        return real_check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "_check", count_parses)
    result = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert parsed == [1] and (result.orders_created, result.lines_created) == (2, 3)
    r1 = Order.objects.get(idempotency_key="import:R-1")
    assert (r1.subtotal, r1.discount_total, r1.total, r1.note) == (345_000, 20_000, 325_000, "R-1")
    columns = ("product_id", "category_id_at_sale", "description", "discount")
    assert list(r1.lines.order_by("id").values_list(*columns)) == [
        (salon["creambath"].pk, salon["hair"].pk, "Creambath", 20_000),
        (salon["shampoo"].pk, salon["hair"].pk, "Sampo", 0),
    ]


def test_a_customer_merged_between_check_and_write_gets_the_orders_on_the_survivor(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path, [["customer_ref", "date", "amount"], ["POS-1", "2024-03-01", "50000"]])
    real_check = imports._check

    def check_then_merge(*args: object, **kwargs: object) -> imports.ImportResult:
        result = real_check(*args, **kwargs)  # type: ignore[arg-type]
        Customer.objects.filter(pk=salon["siti"].pk).update(merged_into=salon["budi"], external_id=None)
        return result

    monkeypatch.setattr(imports, "_check", check_then_merge)
    orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert Order.objects.get().customer_id == salon["budi"].pk


def test_an_order_another_run_inserted_meanwhile_is_left_as_it_is(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer looks for the chunk's keys, then inserts; should another run insert one of them
    in between, its order stays and this run inserts the others with their lines only."""
    rows = [["customer_ref", "date", "amount", "order_ref"]]
    rows += [["POS-1", "2024-01-01", "1000", "K-1"], ["POS-1", "2024-01-01", "2000", "K-1"]]
    rows += [["POS-2", "2024-01-02", "3000", "K-2"], ["POS-2", "2024-01-03", "4000", "K-3"]]
    path = _file(tmp_path, rows)
    other = _file(tmp_path, [rows[0], ["POS-2", "2024-01-02", "9999", "K-2"]], "other.csv")
    orders_import(actor=business.owner, path=other, options=ImportOptions())
    theirs = Order.objects.get(idempotency_key="import:K-2")
    real_values_in = imports.key_pairs

    def blind_to_orders(table: str, key: str, *args: object) -> list:
        if table == Order._meta.db_table and key == "idempotency_key":
            return []  # as if the other run's order arrived just after this lookup
        return real_values_in(table, key, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "key_pairs", blind_to_orders)
    result = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (result.orders_created, result.lines_created) == (2, 3)
    assert list(Order.objects.order_by("id").values_list("idempotency_key", "total")) == [
        ("import:K-2", 9999),
        ("import:K-1", 3000),
        ("import:K-3", 4000),
    ]
    assert list(theirs.lines.values_list("total", flat=True)) == [9999]
    assert OrderLine.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_chunks_written_side_by_side_each_once(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, outside a transaction, chunks go to parallel writers (own connections)."""
    from django.db import connection

    from setia.sales.services import imports_sql

    monkeypatch.setattr(imports, "CHUNK", 5)
    monkeypatch.setattr(imports_sql, "RANGE", 7)  # PostgreSQL's path: ranges of rows, ending where an order starts
    assert imports._in_parallel(ImportOptions()) == (connection.vendor == "postgresql")
    rows = [["customer_ref", "date", "amount", "order_ref"]]
    for number in range(60):
        rows += [[f"POS-{1 + number % 2}", "2024-01-01", str(1000 + number), f"P-{number}"]] * (1 + number % 3)
    rows += [["LAMA-1", "2024-01-05", "500", "P-new"]]
    path = _file(tmp_path, rows)
    options = ImportOptions(create_missing_customers=True)
    result = orders_import(actor=business.owner, path=path, options=options)
    lines = len(rows) - 1
    assert (result.orders_created, result.lines_created, result.customers_created) == (61, lines, 1)
    assert Order.objects.count() == 61 and OrderLine.objects.count() == lines
    assert Order.objects.get(idempotency_key="import:P-7").total == 2 * 1007
    again = orders_import(actor=business.owner, path=path, options=options)
    assert (again.orders_existing, again.orders_created, again.lines_created) == (61, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_failing_write_stops_the_import_and_a_rerun_finishes_it(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range (PostgreSQL's writers, side by side) or chunk that fails stops the import with its
    error: the other writer takes no further range, what was committed stays, and running the
    import again writes the rest, each order once."""
    import threading

    from setia.sales.services import imports_sql

    monkeypatch.setattr(imports, "CHUNK", 5)
    monkeypatch.setattr(imports_sql, "RANGE", 7)
    rows = [["customer_ref", "date", "amount", "order_ref"]]
    for number in range(60):
        rows += [[f"POS-{1 + number % 2}", "2024-01-01", str(1000 + number), f"F-{number}"]] * (1 + number % 3)
    path = _file(tmp_path, rows)
    real_range, real_chunk = imports_sql._write_range, imports._Writer.write
    lock, calls = threading.Lock(), [0]

    def counted() -> None:
        with lock:
            calls[0] += 1
            if calls[0] == 3:
                raise RuntimeError("disk full")

    def write_range(*args: object) -> object:
        counted()
        return real_range(*args)  # type: ignore[arg-type]

    def chunk_write(self: imports._Writer, *args: object) -> None:
        counted()
        real_chunk(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(imports_sql, "_write_range", write_range)
    monkeypatch.setattr(imports._Writer, "write", chunk_write)
    with pytest.raises(RuntimeError, match="disk full"):
        orders_import(actor=business.owner, path=path, options=ImportOptions())
    ranges = len(rows) // 7
    assert calls[0] <= 3 + imports.WRITERS < ranges  # the other writer stopped after the failure
    written = Order.objects.count()
    assert 0 < written < 60
    monkeypatch.setattr(imports_sql, "_write_range", real_range)
    monkeypatch.setattr(imports._Writer, "write", real_chunk)
    again = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (again.orders_existing, again.orders_created) == (written, 60 - written)
    assert Order.objects.count() == 60 and OrderLine.objects.count() == len(rows) - 1
    assert Order.objects.get(idempotency_key="import:F-59").total == 3 * 1059


def test_another_run_inserting_between_check_and_write_wins_on_every_path(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check found none of the keys, another run inserts one before the write: its order and
    line stay, and the other orders come in (PostgreSQL's path: `ON CONFLICT DO NOTHING`)."""
    from setia.sales.services import imports_sql

    rows = [["customer_ref", "date", "amount", "order_ref"]]
    rows += [["POS-1", "2024-01-01", "1000", "K-1"], ["POS-1", "2024-01-01", "2000", "K-1"]]
    rows += [["POS-2", "2024-01-02", "3000", "K-2"], ["POS-2", "2024-01-03", "4000", "K-3"]]
    path = _file(tmp_path, rows)
    other = _file(tmp_path, [rows[0], ["POS-2", "2024-01-02", "9999", "K-2"]], "other.csv")
    real_write, real_chunk_write = imports_sql.write, imports._Writer.write
    done: list[int] = []

    def other_run_first() -> None:
        if not done:
            done.append(1)
            orders_import(actor=business.owner, path=other, options=ImportOptions())

    def write(**kwargs: object) -> None:
        other_run_first()
        real_write(**kwargs)  # type: ignore[arg-type]

    def chunk_write(self: imports._Writer, *args: object) -> None:
        other_run_first()
        real_chunk_write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(imports_sql, "write", write)  # PostgreSQL
    monkeypatch.setattr(imports._Writer, "write", chunk_write)  # SQLite
    result = orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert (result.orders_created, result.lines_created) == (2, 3) and done == [1]
    totals = dict(Order.objects.values_list("idempotency_key", "total"))
    assert totals == {"import:K-1": 3000, "import:K-2": 9999, "import:K-3": 4000}
    assert list(Order.objects.get(idempotency_key="import:K-2").lines.values_list("total", flat=True)) == [9999]
    assert OrderLine.objects.count() == 4


def test_files_the_server_cannot_read_go_the_python_way_with_the_same_result(
    business: Business, salon: dict, tmp_path: Path
) -> None:
    """A blank line inside the file, or rows of other widths, are refused by PostgreSQL's CSV
    reader: the Python reader takes them (row numbers count the blank line, as a spreadsheet does).
    Blank lines at the end are left out on both paths."""
    header = "customer_ref,date,amount,order_ref\r\n"
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        header + "POS-1,2024-01-01,1000,A-1\r\n\r\nPOS-2,2024-01-02,2000\r\nPOS-2,2024-01-02,x,A-3,extra\r\n\r\n\r\n",
        encoding="utf-8",
        newline="",
    )
    result = orders_import_check(actor=business.owner, path=ragged, options=ImportOptions())
    assert (result.rows, result.valid_rows, result.invalid_rows) == (3, 2, 1)
    assert result.errors == [(5, "amount “x” is not a whole number (Rupiah without separators or decimals)")]
    tidy = tmp_path / "tidy.csv"
    tidy.write_text(header + "POS-1,2024-01-01,1000,A-1\r\nPOS-2,2024-01-02,2000,\r\n\r\n\r\n", encoding="utf-8")
    result = orders_import(actor=business.owner, path=tidy, options=ImportOptions())
    assert (result.rows, result.orders_created, result.lines_created) == (2, 2, 2)
    again = orders_import(actor=business.owner, path=tidy, options=ImportOptions())
    assert (again.orders_existing, again.orders_created) == (2, 0)


@pytest.mark.django_db(transaction=True)
def test_a_customer_deleted_between_check_and_write_fails_the_import(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The foreign keys hold on every path: PostgreSQL's set-based check of a range's customers,
    branches and products finds the one deleted since the check, and the range then runs with the
    per-row checks, which refuse it; nothing of the range is written."""
    from django.db import IntegrityError

    from setia.sales.services import imports_sql

    gone = Customer.objects.create(name="Gone", search_name="gone", external_id="POS-9")
    path = _file(
        tmp_path, [["customer_ref", "date", "amount"], ["POS-1", "2024-03-01", "50000"], ["POS-9", "2024-03-02", "1"]]
    )
    real_check = imports._check

    def check_then_delete(*args: object, **kwargs: object) -> imports.ImportResult:
        result = real_check(*args, **kwargs)  # type: ignore[arg-type]
        # Behind the import's back (a plain DELETE: the customer has no orders yet).
        Customer.objects.filter(pk=gone.pk).delete()
        return result

    real_held = imports_sql._parents_held
    held: list[bool] = []

    def parents_held(*args: object) -> bool:
        held.append(real_held(*args))  # type: ignore[arg-type]
        return held[-1]

    monkeypatch.setattr(imports, "_check", check_then_delete)
    monkeypatch.setattr(imports_sql, "_parents_held", parents_held)
    with pytest.raises(IntegrityError):
        orders_import(actor=business.owner, path=path, options=ImportOptions())
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    from django.db import connection

    assert held == ([False] if connection.vendor == "postgresql" else [])
    # With every customer there, the per-row checks are left to the set-based one (superuser).
    monkeypatch.setattr(imports, "_check", real_check)
    good = _file(tmp_path, [["customer_ref", "date", "amount"], ["POS-1", "2024-03-01", "50000"]], "good.csv")
    assert orders_import(actor=business.owner, path=good, options=ImportOptions()).orders_created == 1
    assert held == ([False, True] if connection.vendor == "postgresql" else [])


def _imported() -> list[tuple]:
    """The imported orders and lines without their ids (which differ from one import to another)."""
    orders = list(
        Order.objects.order_by("idempotency_key").values_list(
            "idempotency_key", "customer_id", "branch_id", "channel", "business_date", "subtotal", "total", "note"
        )
    )
    lines = list(
        OrderLine.objects.order_by("order__idempotency_key", "id").values_list(
            "order__idempotency_key", "product_id", "quantity", "unit_price", "discount", "total"
        )
    )
    return orders + lines


def _outcome(business: Business, path: Path, options: ImportOptions) -> tuple:
    """Check and import a file: the check's figures, its report of bad rows, what was written and
    the imported orders; then the orders are removed, for another way of importing the same file."""
    figures = ("rows", "valid_rows", "invalid_rows", "orders", "orders_existing", "errors")
    checked = orders_import_check(actor=business.owner, path=path, options=options)
    report = path.with_name(path.name + ".skipped.csv")
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    written = orders_import(actor=business.owner, path=path, options=options)
    outcome = (
        [getattr(checked, name) for name in figures],
        text,
        (written.orders_created, written.lines_created),
        _imported(),
    )
    Order.objects.all().delete()
    return outcome


def _both_paths(business: Business, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[bool, tuple]:
    """`_outcome` of the Python path (False) and of PostgreSQL's (True; on SQLite the Python path
    again), bad rows skipped."""
    on_server = imports._on_server
    results = {}
    for server in (False, True):
        monkeypatch.setattr(imports, "_on_server", lambda options, server=server: server and on_server(options))
        results[server] = _outcome(business, path, ImportOptions(skip_invalid=True))
    return results


def test_cells_with_spaces_and_odd_numbers_read_the_same_on_both_paths(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells are trimmed as `str.strip()` trims them (a no-break space too) and numbers read as
    Python reads them (leading zeros, spaces around, too large), on PostgreSQL's path (which trims
    a column only where a cell of it has spaces, and reads a row's numbers by one test where it
    can) as on the Python path: the same checked figures, reasons, rows and imported orders."""
    nbsp = "\u00a0"
    path = _file(
        tmp_path,
        [
            ["customer_ref", "date", "amount", "order_ref", "product", "quantity", "unit_price", "branch", "channel"],
            [" POS-1 ", " 2024-01-05", "150000 ", " T-1 ", " cb-01 ", " 1", f"150000{nbsp}", " KMG ", " Outlet "],
            ["POS-1", "2024-01-05", "0000000000000000000045000", "T-1", "Sampo", "", "", "kmg", "outlet"],
            ["POS-2", "2024-01-06", "90000", "T-2", "sampo", "2 ", "", "", ""],
            ["POS-2", "2024-01-06", " 12.5", "T-3", "", "", "", "", ""],
            ["POS-2", "2024-01-06", "99999999999999999999999", "T-4", "", "", "", "", ""],
            ["POS-2", "2024-01-06", "1000", "T-5", "", "  ", "0000000000000000000000000000009", "", ""],
            ["POS-2", "2024-01-06", "1000", "T-6", "", "3", "300", "", ""],
            ["POS-2", "2024-01-07", "1000", "T-2 ", "", "", "", "", ""],
            [" POS-2", "2024-01-08", " 5000 ", "", "", "", "", "dgo ", ""],
            ["POS-2", "2024-01-08", "5000", "", "", "-1", "", "", ""],
            [f"{nbsp}", "2024-01-08", "5000", "", "", "", "", "", ""],
        ],
    )
    results = _both_paths(business, path, monkeypatch)
    assert results[True] == results[False]
    assert results[True][0][:3] == [11, 3, 8]
    assert [number for number, _reason in results[True][0][5]] == [4, 5, 6, 7, 8, 9, 11, 12]
    assert results[True][2] == (2, 3)  # T-1 (its second line's amount read as 45000) and row 10


def test_a_rerun_with_a_few_new_orders_writes_only_their_ranges(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's path writes ranges of rows; on a re-run, a range without a new order is not
    walked (no locks, no INSERT). The orders and figures are as on the first run."""
    from setia.sales.services import imports_sql

    monkeypatch.setattr(imports_sql, "RANGE", 7)
    header = ["customer_ref", "date", "amount", "order_ref"]
    rows = [[f"POS-{1 + number % 2}", "2024-01-01", str(1000 + number), f"P-{number}"] for number in range(40)]
    first = orders_import(actor=business.owner, path=_file(tmp_path, [header, *rows]), options=ImportOptions())
    assert first.orders_created == 40
    real_write_range = imports_sql._write_range
    walked: list[tuple[int, int]] = []

    def write_range(actor: object, options: object, tables: object, start: int, end: int, now: object) -> object:
        walked.append((start, end))
        return real_write_range(actor, options, tables, start, end, now)  # type: ignore[arg-type]

    monkeypatch.setattr(imports_sql, "_write_range", write_range)
    new = [["POS-1", "2024-01-02", "700", "P-new-1"], ["POS-2", "2024-01-03", "800", "P-new-2"]]
    more = [header, *rows[:20], new[0], *rows[20:], new[1]]  # rows 22 and 43
    again = orders_import(actor=business.owner, path=_file(tmp_path, more, "more.csv"), options=ImportOptions())
    assert (again.orders, again.orders_existing, again.orders_created, again.lines_created) == (42, 40, 2, 2)
    assert Order.objects.count() == 42
    assert Order.objects.get(idempotency_key="import:P-new-2").total == 800
    from django.db import connection

    if connection.vendor == "postgresql":  # the two ranges holding the new orders, of the six
        assert [start <= 22 < end or start <= 43 < end for start, end in walked] == [True, True]
    else:
        assert walked == []


def test_orders_and_lines_are_numbered_in_file_order_around_a_bad_order(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each line goes to its own order and both are numbered as the file lists them, with a bad
    order (an unknown customer) and a row without order_ref among good ones, over several ranges
    (PostgreSQL's path finds each row's order by counting where orders start)."""
    from setia.sales.services import imports_sql

    monkeypatch.setattr(imports_sql, "RANGE", 3)
    header = ["customer_ref", "date", "amount", "order_ref"]
    rows = [
        ["POS-1", "2024-01-01", "101", "K-1"],
        ["POS-1", "2024-01-01", "102", "K-1"],
        ["POS-77", "2024-01-02", "201", "K-2"],  # nobody has POS-77: K-2 is bad
        ["POS-77", "2024-01-02", "202", "K-2"],
        ["POS-2", "2024-01-03", "301", "K-3"],
        ["POS-2", "2024-01-03", "302", "K-3"],
        ["POS-2", "2024-01-03", "303", "K-3"],
        ["POS-1", "2024-01-04", "401", ""],
        ["POS-2", "2024-01-05", "501", "K-5"],
    ]
    result = orders_import(
        actor=business.owner, path=_file(tmp_path, [header, *rows]), options=ImportOptions(skip_invalid=True)
    )
    assert (result.orders_created, result.lines_created, result.invalid_rows) == (4, 7, 2)
    orders = list(Order.objects.order_by("id").values_list("note", "total", "subtotal"))
    assert orders == [("K-1", 203, 203), ("K-3", 906, 906), ("", 401, 401), ("K-5", 501, 501)]
    lines = list(OrderLine.objects.order_by("id").values_list("order__note", "total"))
    assert lines == [("K-1", 101), ("K-1", 102), ("K-3", 301), ("K-3", 302), ("K-3", 303), ("", 401), ("K-5", 501)]


@pytest.mark.django_db(transaction=True)
def test_the_check_on_two_connections_finds_what_one_finds(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's check, outside a transaction, builds its checked table on two connections, the
    second from a row near the middle where an order starts. The figures, reasons, report and
    imported orders are those of the check on one connection: an order across the middle stays
    whole, an order_ref seen in the first part is found again in the second, rows without
    order_ref and a row of empty cells keep their numbers."""
    from setia.sales.services import imports_sql

    header = ["customer_ref", "date", "amount", "order_ref", "product"]
    rows = [header]
    for number in range(12):
        rows += [[f"POS-{1 + number % 2}", "2024-01-01", str(1000 + number), f"A-{number}", ""]] * (1 + number % 3)
    rows += [["POS-1", "2024-01-02", "500", "MID", ""]] * 6  # rows 26-31: across the middle (row 31)
    rows += [["", "", "", "", ""], ["POS-2", "2024-01-02", "700", "", ""], ["POS-2", "2024-01-02", "700", "", ""]]
    rows += [["POS-1", "2024-01-03", "900", "A-3", ""], ["POS-1", "2024-01-03", "x", "B-1", "CB-01"]]
    for number in range(10):
        rows += [[f"POS-{1 + number % 2}", "2024-01-04", str(2000 + number), f"C-{number}", "Sampo"]] * 2
    rows += [["POS-2", "2024-01-05", "800", "MID", ""]]
    path = _file(tmp_path, rows)
    real_split = imports_sql._Checker._split
    splits: list[int | None] = []

    def split(self: imports_sql._Checker, *args: object) -> int | None:
        splits.append(real_split(self, *args))  # type: ignore[arg-type]
        return splits[-1]

    monkeypatch.setattr(imports_sql._Checker, "_split", split)
    results = {}
    for threshold in (1 << 30, 2):
        monkeypatch.setattr(imports_sql, "SPLIT_ROWS", threshold)
        results[threshold] = _outcome(business, path, ImportOptions(skip_invalid=True))
    assert results[2] == results[1 << 30]
    from django.db import connection

    if connection.vendor == "postgresql":
        assert splits == [None, None, 33, 33]  # after the order across the middle and the empty row 32
    errors = dict(results[2][0][5])
    assert errors[35].startswith("order_ref A-3 appears earlier in the file: keep an order's rows together")
    assert errors[36] == "amount “x” is not a whole number (Rupiah without separators or decimals)"
    assert errors[57].startswith("order_ref MID appears earlier in the file: keep an order's rows together")


def test_the_write_statement_is_not_compiled_by_the_server(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL compiles a statement whose estimated cost passes `jit_above_cost`; for a range's
    INSERT that cost ~0.6 s of a ~1.4 s range in a trial. The write turns it off for its own
    transaction, whatever the server's setting (here: compile everything)."""
    from django.db import connection

    rows = [["customer_ref", "date", "amount", "order_ref"], ["POS-1", "2024-01-01", "1000", "P-1"]]
    seen: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if connection.vendor == "postgresql" and f'INSERT INTO "{Order._meta.db_table}"' in sql and not seen:
            context["cursor"].execute("SELECT current_setting('jit'), current_setting('jit_above_cost')")
            seen.extend(context["cursor"].fetchone())
        return execute(sql, params, many, context)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit_above_cost = 0")
    try:
        with connection.execute_wrapper(watch):
            result = orders_import(actor=business.owner, path=_file(tmp_path, rows), options=ImportOptions())
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET jit_above_cost")
    assert result.orders_created == 1
    if connection.vendor == "postgresql":
        assert seen == ["off", "0"]
    else:  # SQLite: the Python path, no such setting
        assert Order.objects.get().total == 1000


@pytest.mark.django_db(transaction=True)
def test_a_large_file_loaded_in_two_parts_reads_as_one_copy(
    business: Business, salon: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL loads a large file in two parts side by side, cut at a line near the middle where
    an order starts, each part's rows numbered as in the file, and checks each part on its own
    connection. Figures, reasons, report and orders are those of one COPY: with an order across the
    middle, then a row of empty cells and rows without order_ref, Windows line breaks. A file with
    a quote in its first half is loaded by one COPY; one with a row of another width in its second
    half goes the Python way, as it does loaded whole."""
    from django.db import connection

    from setia.sales.services import imports_sql

    header = ["customer_ref", "date", "amount", "order_ref", "product"]
    rows = [header]
    for number in range(12):
        rows += [[f"POS-{1 + number % 2}", "2024-01-01", str(1000 + number), f"A-{number}", ""]] * (1 + number % 3)
    rows += [["POS-1", "2024-01-02", "500", "MID", ""]] * 8  # rows 26-33, the middle of the file's bytes
    rows += [["", "", "", "", ""], ["POS-2", "2024-01-02", "700", "", ""], ["POS-2", "2024-01-02", "700", "", ""]]
    rows += [["POS-1", "2024-01-03", "900", "A-3", ""], ["POS-1", "2024-01-03", "x", "B-1", "CB-01"]]
    for number in range(6):
        rows += [[f"POS-{1 + number % 2}", "2024-01-04", str(2000 + number), f"C-{number}", "Sampo"]] * 2
    rows += [["POS-2", "2024-01-05", "800", "MID", ""]]
    plain = _file(tmp_path, rows, "plain.csv")
    text = plain.read_bytes()
    middle = len(text) // 2
    assert text[: text.index(b"\r\n", middle)].count(b"\r\n") + 1 in range(26, 34)  # the middle is in MID
    quoted = _file(tmp_path, [header, ['"POS-1"', "2024-01-01", "1000", "Q-1", ""], *rows[1:]], "quoted.csv")
    ragged = tmp_path / "ragged.csv"
    ragged.write_bytes(text + b"POS-2,2024-01-06,900,R-1,,extra\r\n")
    boundaries: list[tuple[int, int] | None] = []
    real_boundary = imports_sql._boundary

    def boundary(*args: Any) -> tuple[int, int] | None:
        boundaries.append(real_boundary(*args))
        return boundaries[-1]

    monkeypatch.setattr(imports_sql, "_boundary", boundary)
    for path in (plain, quoted, ragged):
        results = {}
        for threshold in (1 << 40, 1):
            monkeypatch.setattr(imports_sql, "SPLIT_BYTES", threshold)
            results[threshold] = _outcome(business, path, ImportOptions(skip_invalid=True))
        assert results[1] == results[1 << 40], path.name
    errors = dict(results[1][0][5])
    assert errors[38] == "amount “x” is not a whole number (Rupiah without separators or decimals)"
    assert errors[51].startswith("order_ref MID appears earlier in the file: keep an order's rows together")
    assert 52 not in errors  # the Python reader leaves a cell past the header's out
    if connection.vendor == "postgresql":
        # Cut after the order across the middle and the row of empty cells, where the row before
        # has cells too: at row 36, the second row without order_ref (each is an order of its
        # own). The quoted file is loaded whole; the ragged one is cut as the plain one.
        cut = (text.index(b"POS-2,2024-01-02,700,,", text.index(b"POS-2,2024-01-02,700,,") + 1), 36)
        assert boundaries == [None, None, cut, cut, None, None, None, None, None, None, cut, cut]


def test_where_a_large_file_is_cut_in_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cut is the start of a line near the middle that starts an order, its row number counted
    by the first part's line breaks; none where those could be inside quotes or are of two kinds."""
    from setia.sales.services import imports_sql

    monkeypatch.setattr(imports_sql, "SPLIT_BYTES", 1)
    path = tmp_path / "orders.csv"
    lines = ["customer_ref,date,amount,order_ref", *(f"C-1,2024-01-01,100,A-{n // 3}" for n in range(30))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    offset, row = imports_sql._boundary(path, 4, 3) or (0, 0)
    text = path.read_bytes()
    assert text[:offset].count(b"\n") + 1 == row and text[offset - 1 : offset] == b"\n"
    assert text[offset:].startswith(b"C-1,2024-01-01,100,A-") and (row - 2) % 3 == 0  # an order's first row
    middle = len(text) // 2
    after = text.index(b"\n", middle) + 1  # the first whole line past the middle, then the next
    assert imports_sql._boundary(path, 4, None) == (text.index(b"\n", after) + 1, text[:after].count(b"\n") + 2)
    path.write_text("\n".join(lines).replace("C-1,", "C-1\r,", 1) + "\n", encoding="utf-8")
    assert imports_sql._boundary(path, 4, 3) is None  # a carriage return inside a line
    path.write_text("\n".join(lines).replace("C-1,", '"C-1",', 1) + "\n", encoding="utf-8")
    assert imports_sql._boundary(path, 4, 3) is None  # a quote in the first part
    path.write_text("\n".join(line[: line.rindex(",")] + ",A-0" for line in lines) + "\n", encoding="utf-8")
    assert imports_sql._boundary(path, 4, 3) is None  # one order from the middle to the end


@pytest.mark.parametrize(
    ("branch", "channel", "product", "good"),
    [
        ("dgo", "marketplace", "CB-01", True),  # one known value each: a constant, no join
        ("nowhere", "", "", False),  # one branch throughout, unknown
        ("", "by pigeon", "", False),  # one channel throughout, unknown
        ("", "", "Hair dryer", False),  # one product throughout, unknown
    ],
)
def test_a_column_with_one_value_throughout_reads_as_on_the_python_path(
    business: Business,
    salon: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    branch: str,
    channel: str,
    product: str,
    good: bool,
) -> None:
    """PostgreSQL's check takes a branch, channel or product that is the same on every row as a
    constant instead of joining each row to its value; known or not, the figures, reasons and
    orders are those of the Python path."""
    header = ["customer_ref", "date", "amount", "order_ref", "branch", "channel", "product"]
    rows = [header] + [
        [f"POS-{1 + n % 2}", "2024-01-05", "150000", f"T-{n}", branch, channel, product] for n in range(4)
    ]
    path = _file(tmp_path, rows)
    results = _both_paths(business, path, monkeypatch)
    assert results[True] == results[False]
    assert results[True][0][1:3] == ([4, 0] if good else [0, 4])
    if good:
        assert {row[1:4] for row in results[True][3][:4]} == {
            (salon["siti"].pk, business.branch_b.pk, "marketplace"),
            (salon["budi"].pk, business.branch_b.pk, "marketplace"),
        }


def test_a_semicolon_separated_file_and_a_decimal_quantity_are_explained(
    business: Business, salon: dict, tmp_path: Path
) -> None:
    from setia.core.errors import ApplicationError

    semicolons = tmp_path / "excel.csv"
    semicolons.write_text("customer_ref;date;amount\nPOS-1;2024-03-15;150000\n", encoding="utf-8")
    with pytest.raises(ApplicationError, match="separated by semicolons") as refused:
        orders_import_check(actor=business.owner, path=semicolons, options=ImportOptions())
    assert "file" in refused.value.extra
    path = _file(
        tmp_path,
        [["customer_ref", "date", "amount", "product", "quantity"], ["POS-1", "2024-03-15", "150000", "Sampo", "1.5"]],
    )
    result = orders_import_check(actor=business.owner, path=path, options=ImportOptions())
    assert result.errors == [(2, "quantity “1.5” is not a whole number")]
