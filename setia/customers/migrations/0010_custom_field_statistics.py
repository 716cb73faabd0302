"""PostgreSQL: statistics on each indexed custom field's expression (custom_fields.index_create)."""

from django.db import migrations


def statistics(apps, schema_editor):
    from setia.customers.custom_fields import INDEXED_TYPES, index_create

    if schema_editor.connection.vendor != "postgresql":
        return
    Definition = apps.get_model("customers", "CustomFieldDefinition")
    for definition in Definition.objects.filter(archived_at__isnull=True, field_type__in=list(INDEXED_TYPES)):
        index_create(definition)


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_name_index_bulk_pause")]

    operations = [migrations.RunPython(statistics, migrations.RunPython.noop)]
