"""Fewer indexes for the customer tables to keep up to date on every insert (ADR 0011):

- `customer_id` on phones and emails: the unique (customer, number/email) index starts with it.
- PostgreSQL's second `varchar_pattern_ops` index beside each unique or indexed CharField
  (external id, member number, phone number, email, the region codes of addresses): no query here
  uses LIKE 'x%' on them. Meta indexes and constraints have none.
- Foreign keys most rows leave empty (home branch, owner, company, district) and the member card
  number: partial indexes of the rows that have a value; an equality lookup uses them as before.
- The live branch-and-name index leaves out customers without a branch (read only for a branch).
- SQLite: the name-search insert trigger without migration 0009's WHEN clause; the import drops it
  inside its own transaction instead (`name_search.indexing_in_bulk`).

PostgreSQL runs Django's own operations. SQLite would rebuild `customers_customer` once per
altered column (and lose the name-search triggers and custom-field indexes with it), so there the
indexes are dropped and created by name instead; the inline UNIQUE of external id and member number
stays (SQLite adds no second index beside it), and the partial card-number index is created too, so
that Django can drop it by name later.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class OnPostgreSQL(migrations.operations.base.Operation):
    """A schema operation whose SQL runs on PostgreSQL only; the model state changes everywhere."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__name__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (PostgreSQL)"


# SQLite: the indexes Django created for db_index=True, by their (deterministic) names.
SQLITE_OLD = {
    "customers_customer": {
        "customers_customer_home_branch_id_ecc0227c": "home_branch_id",
        "customers_customer_owner_id_fbb2798e": "owner_id",
        "customers_customer_company_id_d9d820a0": "company_id",
    },
    "customers_customerphone": {
        "customers_customerphone_customer_id_f2850eb1": "customer_id",
        "customers_customerphone_number_45810936": "number",
    },
    "customers_customeremail": {
        "customers_customeremail_customer_id_1fe27408": "customer_id",
        "customers_customeremail_email_156e1f38": "email",
    },
    "customers_address": {
        "customers_address_district_id_f15d85cf": "district_id",
        "customers_address_province_id_7abad4e4": "province_id",
        "customers_address_regency_id_aa9a60f3": "regency_id",
    },
}
SQLITE_NEW = {
    "customer": [
        "customer_live_branch_name_idx",
        "customer_branch_idx",
        "customer_owner_idx",
        "customer_company_idx",
    ],
    "customerphone": ["phone_number_idx"],
    "customeremail": ["email_address_idx"],
    "address": ["address_province_idx", "address_regency_idx", "address_district_idx"],
}
OLD_BRANCH_NAME = (
    'CREATE INDEX "customer_live_branch_name_idx" ON "customers_customer" ("home_branch_id", "search_name", "id") '
    'WHERE ("archived_at" IS NULL AND "merged_into_id" IS NULL)'
)


def sqlite_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from setia.customers import name_search

    # The plain name-index trigger again (bulk writers drop it inside their own transaction).
    for statement in name_search.SQLITE_UNPAUSE:
        schema_editor.execute(statement)
    schema_editor.execute('DROP INDEX IF EXISTS "customer_live_branch_name_idx"')
    for indexes in SQLITE_OLD.values():
        for name in indexes:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for model_name, names in SQLITE_NEW.items():
        model = apps.get_model("customers", model_name)
        for index in model._meta.indexes:
            if index.name in names:
                schema_editor.add_index(model, index)
    customer = apps.get_model("customers", "customer")
    for constraint in customer._meta.constraints:
        if constraint.name == "customer_member_number_unique":
            schema_editor.add_constraint(customer, constraint)


def sqlite_backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from setia.customers import name_search

    for statement in name_search.SQLITE_PAUSE:
        schema_editor.execute(statement)
    schema_editor.execute('DROP INDEX IF EXISTS "customer_member_number_unique"')
    for names in SQLITE_NEW.values():
        for name in names:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for table, indexes in SQLITE_OLD.items():
        for name, column in indexes.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
    schema_editor.execute(OLD_BRANCH_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_business_logo"),
        ("customers", "0010_custom_field_statistics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        OnPostgreSQL(
            migrations.RemoveIndex(
                model_name="customer",
                name="customer_live_branch_name_idx",
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="address",
                name="district",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    to="customers.district",
                    verbose_name="district",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="address",
                name="province",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    to="customers.province",
                    verbose_name="province",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="address",
                name="regency",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    to="customers.regency",
                    verbose_name="city / regency",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customer",
                name="company",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    limit_choices_to={"kind": "company"},
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="members",
                    to="customers.customer",
                    verbose_name="company",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customer",
                name="external_id",
                field=models.CharField(
                    blank=True,
                    help_text="The business's own reference, e.g. from its cash register or old system.",
                    max_length=64,
                    null=True,
                    verbose_name="external id",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customer",
                name="home_branch",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="customers",
                    to="accounts.branch",
                    verbose_name="home branch",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customer",
                name="member_number",
                field=models.CharField(blank=True, max_length=32, null=True, verbose_name="member card number"),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customer",
                name="owner",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="owned_customers",
                    to=settings.AUTH_USER_MODEL,
                    verbose_name="owner",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customeremail",
                name="customer",
                field=models.ForeignKey(
                    db_index=False,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="emails",
                    to="customers.customer",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customeremail",
                name="email",
                field=models.EmailField(max_length=254, verbose_name="email"),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customerphone",
                name="customer",
                field=models.ForeignKey(
                    db_index=False,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="phones",
                    to="customers.customer",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AlterField(
                model_name="customerphone",
                name="number",
                field=models.CharField(max_length=20, verbose_name="phone"),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="address",
                index=models.Index(
                    condition=models.Q(("province__isnull", False)), fields=["province"], name="address_province_idx"
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="address",
                index=models.Index(
                    condition=models.Q(("regency__isnull", False)), fields=["regency"], name="address_regency_idx"
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="address",
                index=models.Index(
                    condition=models.Q(("district__isnull", False)), fields=["district"], name="address_district_idx"
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="customer",
                index=models.Index(
                    condition=models.Q(
                        ("archived_at__isnull", True), ("home_branch__isnull", False), ("merged_into__isnull", True)
                    ),
                    fields=["home_branch", "search_name", "id"],
                    name="customer_live_branch_name_idx",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="customer",
                index=models.Index(
                    condition=models.Q(("home_branch__isnull", False)),
                    fields=["home_branch"],
                    name="customer_branch_idx",
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="customer",
                index=models.Index(
                    condition=models.Q(("owner__isnull", False)), fields=["owner"], name="customer_owner_idx"
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="customer",
                index=models.Index(
                    condition=models.Q(("company__isnull", False)), fields=["company"], name="customer_company_idx"
                ),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="customeremail",
                index=models.Index(fields=["email"], name="email_address_idx"),
            )
        ),
        OnPostgreSQL(
            migrations.AddIndex(
                model_name="customerphone",
                index=models.Index(fields=["number"], name="phone_number_idx"),
            )
        ),
        OnPostgreSQL(
            migrations.AddConstraint(
                model_name="customer",
                constraint=models.UniqueConstraint(fields=("external_id",), name="customer_external_id_unique"),
            )
        ),
        OnPostgreSQL(
            migrations.AddConstraint(
                model_name="customer",
                constraint=models.UniqueConstraint(
                    condition=models.Q(("member_number__isnull", False)),
                    fields=("member_number",),
                    name="customer_member_number_unique",
                ),
            )
        ),
        migrations.RunPython(sqlite_forwards, sqlite_backwards),
    ]
