"""Indexes the ORM does not describe: the name-contains search index (SQLite FTS5 trigram table
with its triggers, PostgreSQL pg_trgm GIN) and one filter index per custom field defined before
custom-field indexes existed. See setia/customers/name_search.py and custom_fields.py."""

from django.db import migrations


def install(apps, schema_editor):
    from setia.customers import name_search

    for statement in name_search.statements(True, schema_editor.connection.vendor):
        schema_editor.execute(statement)
    _field_indexes(apps, schema_editor)


def _field_indexes(apps, schema_editor):
    from setia.customers.custom_fields import INDEXED_TYPES, index_name, value_sql

    quote = schema_editor.connection.ops.quote_name
    Definition = apps.get_model("customers", "CustomFieldDefinition")
    for definition in Definition.objects.filter(archived_at__isnull=True, field_type__in=list(INDEXED_TYPES)):
        expression = value_sql(definition.key, schema_editor.connection.vendor)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(index_name(definition.key))} ON customers_customer ({expression}) "
            f"WHERE {expression} IS NOT NULL"
        )


def uninstall(apps, schema_editor):
    from setia.customers import name_search

    for statement in name_search.statements(False, schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_list_indexes")]

    operations = [migrations.RunPython(install, uninstall)]
