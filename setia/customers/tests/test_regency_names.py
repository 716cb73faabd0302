from collections.abc import Iterator

import pytest
from django.utils import translation

from setia.conftest import Business
from setia.customers import imports
from setia.customers.models import Customer, Regency
from setia.customers.regions import RegencyNames


@pytest.fixture
def names(db: None) -> Iterator[RegencyNames]:
    with translation.override("en"):
        yield RegencyNames(Regency.objects.all())


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("Kota Bandung", "Kota Bandung"),
        ("bandung", "Kota Bandung"),  # the city before the regency of the same name
        ("Kab. Bandung", "Kabupaten Bandung"),
        ("kab bogor", "Kabupaten Bogor"),
        ("Bandung Barat", "Kabupaten Bandung Barat"),
        ("Jakarta Selatan", "Kota Administrasi Jakarta Selatan"),
        ("  JAKARTA   timur ", "Kota Administrasi Jakarta Timur"),
        ("Kota Adm. Jakarta Barat", "Kota Administrasi Jakarta Barat"),
        ("Kepulauan Seribu", "Kabupaten Administrasi Kepulauan Seribu"),
        ("Seribu", "Kabupaten Administrasi Kepulauan Seribu"),  # the end of one name only
    ],
)
def test_a_city_is_found_by_the_name_people_write(names: RegencyNames, written: str, found: str) -> None:
    assert names.find(written).name == found


def test_jakarta_alone_is_refused_with_the_five_cities_it_could_be(names: RegencyNames) -> None:
    with pytest.raises(ValueError, match="could be") as refused:
        names.find("Jakarta")
    message = str(refused.value)
    for city in ("Jakarta Barat", "Jakarta Pusat", "Jakarta Selatan", "Jakarta Timur", "Jakarta Utara"):
        assert city in message
    with pytest.raises(ValueError, match="unknown city/regency Atlantis"):
        names.find("Atlantis")
    with pytest.raises(ValueError, match="could be"):  # remembered, still refused
        names.find("Jakarta")


def test_an_import_takes_jakarta_selatan_and_explains_jakarta(business: Business, tmp_path: object) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path), translation.override("en"):
        text = (
            "name,phone,city,address_line\n"
            "Ayu,0812-1111-2222,Jakarta Selatan,Jl. Kemang 1\n"
            "Bela,0813-2222-3333,Jakarta,Jl. Sudirman 2\n"
        )
        job = imports.import_upload(
            actor=business.owner, uploaded=SimpleUploadedFile("p.csv", text.encode()), mode="create"
        )
        imports.import_set_mapping(actor=business.owner, job=job, mapping=job.mapping, mode="create")
        job = imports.import_check(job.pk)
        assert (job.valid_rows, job.invalid_rows) == (1, 1)
        assert [error[:2] for error in job.errors] == [[3, "city"]]
        assert "could be" in job.errors[0][2] and "Jakarta Utara" in job.errors[0][2]
        imports.import_confirm(actor=business.owner, job=job, skip_invalid=True)
        imports.import_run(job.pk)
    address = Customer.objects.get(name="Ayu").addresses.select_related("regency").get()
    assert address.regency is not None and address.regency.name == "Kota Administrasi Jakarta Selatan"
    assert address.province_id == "31"
