"""The import's column mapping offers fields by their labels in the user's language; the form
still submits the field keys."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from setia.conftest import Business, client_for
from setia.customers import imports
from setia.customers.services import custom_field_create


@pytest.fixture(autouse=True)
def media(settings: object, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    yield


def _options(page: str, column: int) -> dict[str, str]:
    select = page.split(f'name="column_{column}"')[1].split("</select>")[0]
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"external_id": "External id", "preferred_channel": "Preferred channel", "custom.berat_kg": "Weight"}),
        ("id", {"custom.berat_kg": "Weight"}),
    ],
)
def test_mapping_shows_labels_and_submits_keys(business: Business, language: str, expected: dict[str, str]) -> None:
    custom_field_create(actor=business.owner, key="berat_kg", label="Weight", field_type="decimal")
    job = imports.import_upload(
        actor=business.owner,
        uploaded=SimpleUploadedFile("p.csv", b"nama;telepon;berat\nDewi;0812-1111-2222;61,5\n"),
        mode="create",
    )
    client = client_for(business.owner)
    client.cookies["django_language"] = language
    page = client.get(reverse("customers:import_detail", args=[job.pk])).content.decode()
    options = _options(page, 0)
    for key, label in expected.items():
        assert options[key] == label
    assert set(options) == {"", *imports.available_targets()}  # every key, and only keys, submitted
    assert not any(label == key for key, label in options.items() if key)  # no bare key shown
    if language == "id":
        assert options["preferred_channel"] != "Preferred channel"  # translated
    response = client.post(
        reverse("customers:import_detail", args=[job.pk]),
        {"step": "check", "column_0": "name", "column_1": "phone", "column_2": "custom.berat_kg", "mode": "create"},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping == {"0": "name", "1": "phone", "2": "custom.berat_kg"}
