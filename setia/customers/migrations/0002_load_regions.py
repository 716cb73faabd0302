from django.db import migrations

from setia.customers.regions import load_regions


def noop(apps, schema_editor):  # type: ignore[no-untyped-def]
    pass


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(load_regions, noop)]
