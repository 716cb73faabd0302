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


# How people shorten a regency's kind in a file: "Kab. Bandung", "Kab Bogor", "Kota Adm. Jakarta Barat".
_SHORT_KINDS = (("kab. ", "kabupaten "), ("kab ", "kabupaten "), ("kota adm. ", "kota administrasi "))
_KINDS = ("", "kota ", "kota administrasi ", "kabupaten ", "kabupaten administrasi ")


class RegencyNames:
    """Finds a city or regency by the name a person writes: its full name ("Kota Bandung"), the
    name without its kind ("Bandung": the city before the regency of the same name, "Jakarta
    Selatan": "Kota Administrasi Jakarta Selatan"), or a short kind ("Kab. Bogor"). A name that
    is the end of several ("Jakarta") is refused with the candidates, so a file is never guessed
    into the wrong city. Answers are remembered: a file names a few cities many times over."""

    def __init__(self, regencies: Any) -> None:
        from setia.customers.text import search_key

        self._key = search_key
        self.by_key = {search_key(regency.name): regency for regency in regencies}
        self._found: dict[str, Any] = {}

    def find(self, text: str) -> Any:
        """The regency `text` names; ValueError (its message for the user) if none or several."""
        if text not in self._found:
            try:
                self._found[text] = self._find(text)
            except ValueError as error:
                self._found[text] = error
        found = self._found[text]
        if isinstance(found, ValueError):
            raise found
        return found

    def _find(self, text: str) -> Any:
        from django.utils.translation import gettext as _

        key = self._key(text)
        for short, full in _SHORT_KINDS:
            if key.startswith(short):
                key = full + key[len(short) :]
        for kind in _KINDS:
            if (regency := self.by_key.get(kind + key)) is not None:
                return regency
        candidates = sorted(
            (
                regency
                for name, regency in self.by_key.items()
                if key and (name.endswith(f" {key}") or f" {key} " in name)
            ),
            key=lambda regency: regency.name,
        )
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            names = ", ".join(regency.name for regency in candidates[:8])
            raise ValueError(_("“%(value)s” could be %(names)s: write which one") % {"value": text, "names": names})
        raise ValueError(_("unknown city/regency %(value)s") % {"value": text})
