"""The SQLite name index's insert trigger can be paused inside a bulk writer's transaction
(setia/customers/name_search.py, `indexing_in_bulk`)."""

from django.db import migrations


def pause_support(apps, schema_editor):
    from setia.customers import name_search

    if schema_editor.connection.vendor == "sqlite":
        for statement in name_search.SQLITE_PAUSE:
            schema_editor.execute(statement)


def no_pause_support(apps, schema_editor):
    from setia.customers import name_search

    if schema_editor.connection.vendor == "sqlite":
        for statement in name_search.SQLITE_UNPAUSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_search_and_field_indexes")]

    operations = [migrations.RunPython(pause_support, no_pause_support)]
