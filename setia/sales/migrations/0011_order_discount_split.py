# The discounts of an order by kind, and the member's tier at the sale. Existing orders keep 0 in
# every new column: their split is unknown.
#
# The columns are added with ALTER TABLE … ADD COLUMN and a constant default: on PostgreSQL that
# changes only the catalogue, and on SQLite Django would otherwise copy the whole order table once
# per column (it rebuilds the table for every NOT NULL column). The check constraint still costs
# one rebuild on SQLite, which cannot add a constraint to an existing table.

from typing import Any

from django.db import migrations, models

COLUMNS = (
    ("member_discount", models.BigIntegerField(), "0"),
    ("promotion_discount", models.BigIntegerField(), "0"),
    ("voucher_discount", models.BigIntegerField(), "0"),
    ("member_tier", models.CharField(max_length=60), "''"),
    ("member_discount_percent", models.DecimalField(max_digits=5, decimal_places=2), "0"),
)


def add_columns(apps: Any, schema_editor: Any) -> None:
    quote = schema_editor.quote_name
    table = quote(apps.get_model("sales", "Order")._meta.db_table)
    for name, field, default in COLUMNS:
        kind = field.db_type(schema_editor.connection)
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {quote(name)} {kind} DEFAULT {default} NOT NULL")


def drop_columns(apps: Any, schema_editor: Any) -> None:
    quote = schema_editor.quote_name
    table = quote(apps.get_model("sales", "Order")._meta.db_table)
    for name, _field, _default in reversed(COLUMNS):
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {quote(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0010_payment_tendered"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name="order",
                    name="member_discount",
                    field=models.BigIntegerField(db_default=0, default=0, verbose_name="member discount"),
                ),
                migrations.AddField(
                    model_name="order",
                    name="promotion_discount",
                    field=models.BigIntegerField(db_default=0, default=0, verbose_name="promotion discounts"),
                ),
                migrations.AddField(
                    model_name="order",
                    name="voucher_discount",
                    field=models.BigIntegerField(db_default=0, default=0, verbose_name="voucher discount"),
                ),
                migrations.AddField(
                    model_name="order",
                    name="member_tier",
                    field=models.CharField(
                        blank=True, db_default="", default="", max_length=60, verbose_name="member tier"
                    ),
                ),
                migrations.AddField(
                    model_name="order",
                    name="member_discount_percent",
                    field=models.DecimalField(
                        db_default=0, decimal_places=2, default=0, max_digits=5, verbose_name="member discount %"
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "discount_total__gte",
                        models.F("member_discount") + models.F("promotion_discount") + models.F("voucher_discount"),
                    ),
                    ("member_discount__gte", 0),
                    ("promotion_discount__gte", 0),
                    ("voucher_discount__gte", 0),
                ),
                name="order_discount_split_within_total",
            ),
        ),
    ]
