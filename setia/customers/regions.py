"""Loading the shipped Indonesian region data (setia/customers/data/regions, from idn-area-data,
ODbL) into the Province/Regency/District tables."""

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "regions"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_regions(apps: Any = None, schema_editor: Any = None) -> int:
    """Insert the regions that are missing (safe to run again). Returns the number inserted."""
    from django.apps import apps as global_apps

    registry: Any = apps or global_apps
    province_model = registry.get_model("customers", "Province")
    regency_model = registry.get_model("customers", "Regency")
    district_model = registry.get_model("customers", "District")
    inserted = 0
    for model, name, parent in (
        (province_model, "provinces", None),
        (regency_model, "regencies", "province_code"),
        (district_model, "districts", "regency_code"),
    ):
        existing = set(model.objects.values_list("code", flat=True))
        parent_field = {"province_code": "province_id", "regency_code": "regency_id"}.get(parent or "")
        new = [
            model(
                code=row["code"], name=row["name"], **({parent_field: row[parent]} if parent_field and parent else {})
            )
            for row in _rows(name)
            if row["code"] not in existing
        ]
        model.objects.bulk_create(new, batch_size=2000)
        inserted += len(new)
    return inserted
