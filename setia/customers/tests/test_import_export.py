import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from setia.conftest import Business, client_for
from setia.core.errors import ApplicationError
from setia.customers import imports
from setia.customers.models import Customer, CustomerImport
from setia.customers.services import ContactPoints, PhoneIn, custom_field_create, customer_create
from setia.customers.tabular import escape_cell


@pytest.fixture(autouse=True)
def media(settings: object, tmp_path: Path) -> Iterator[None]:
    """Uploads go to a temporary folder; messages are checked in English."""
    from django.utils import translation

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


def _upload(
    business: Business, text: str, name: str = "pelanggan.csv", mode: str = "create", encoding: str = "utf-8"
) -> CustomerImport:
    return imports.import_upload(
        actor=business.owner, uploaded=SimpleUploadedFile(name, text.encode(encoding)), mode=mode
    )


def _check(job: CustomerImport) -> CustomerImport:
    imports.import_set_mapping(actor=job.created_by, job=job, mapping=job.mapping, mode=job.mode)
    return imports.import_check(job.pk)


GOOD_AND_BAD = """nama;telepon;email;external_id;home_branch
Dewi Lestari;0812-1111-2222;dewi@example.com;P-1;kmg
Budi;0812;budi@example.com;P-2;kmg
Citra;+62 813 3333 4444;bukan-email;P-3;kmg
Dewi Lagi;0812 1111 2222;;P-4;kmg
;0815-5555-6666;;P-5;kmg
Eko;0816-7777-8888;;P-6;tidakada
"""


def test_check_lists_every_bad_row_with_its_reason_and_writes_nothing(business: Business) -> None:
    from django.utils import translation

    with translation.override("en"):
        job = _check(_upload(business, GOOD_AND_BAD))
    assert (job.total_rows, job.valid_rows, job.invalid_rows) == (6, 1, 5)
    reasons = {number: message for number, _target, message in job.errors}
    assert "not a valid phone number" in reasons[3]
    assert "not an email address" in reasons[4]
    assert "duplicate of row 2" in reasons[5]
    assert "needs a name" in reasons[6]
    assert "no branch with code tidakada" in reasons[7]
    assert not Customer.objects.exists()


def test_import_refuses_bad_rows_unless_told_to_skip_them(business: Business) -> None:
    job = _check(_upload(business, GOOD_AND_BAD))
    with pytest.raises(ApplicationError) as error:
        imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    assert "skip_invalid" in error.value.extra
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=True)
    job = imports.import_run(job.pk)
    assert (job.created_count, job.skipped_count) == (1, 5)
    dewi = Customer.objects.get()
    assert (dewi.name, dewi.external_id, dewi.home_branch) == ("Dewi Lestari", "P-1", business.branch_a)
    assert [p.number for p in dewi.phones.all()] == ["+6281211112222"]
    report = list(csv.reader(imports.report_path(job).open(encoding="utf-8")))
    assert report[0][-2:] == ["row", "problem"] and len(report) == 6
    # A reason names the column as the file calls it ("telepon"), not the field's key ("phone").
    assert next(line[-1] for line in report if line[-2] == "3").startswith("telepon: ")
    # Each row's reasons once, as the check found them (the import makes the batch checks again).
    found = {row: sum(1 for number, _target, _message in job.errors if number == row) for row, *_ in job.errors}
    for line in report[1:]:
        reasons = line[-1].split("; ")
        assert len(reasons) == len(set(reasons)) == found[int(line[-2])], line


def test_rerunning_the_same_file_changes_nothing(business: Business) -> None:
    text = "name,phone,external_id\nAyu,0812-1111-2222,A-1\nBela,0813-2222-3333,A-2\n"
    job = _check(_upload(business, text, mode="upsert"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    assert imports.import_run(job.pk).created_count == 2
    again = _check(_upload(business, text, mode="upsert"))
    imports.import_confirm(actor=business.owner, job=again, skip_invalid=False)
    again = imports.import_run(again.pk)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert Customer.objects.count() == 2
    create_only = _check(_upload(business, text, mode="create"))
    assert create_only.invalid_rows == 2 and "matches existing customer Ayu (#" in create_only.errors[0][2]


def test_update_mode_fills_in_and_adds_phones(business: Business) -> None:
    customer = customer_create(
        actor=business.owner,
        name="Ayu",
        home_branch=business.branch_a,
        external_id="A-1",
        contacts=ContactPoints(phones=[PhoneIn("0812-1111-2222")]),
    )
    job = _check(
        _upload(business, "external_id,occupation,phone\nA-1,Guru,0857-9999-0000\nZ-9,Dokter,\n", mode="update")
    )
    assert job.invalid_rows == 1 and "no existing customer" in job.errors[0][2]
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=True)
    job = imports.import_run(job.pk)
    customer.refresh_from_db()
    assert job.updated_count == 1 and customer.occupation == "Guru"
    assert sorted(customer.phones.values_list("number", flat=True)) == ["+6281211112222", "+6285799990000"]


def test_resume_after_interruption_writes_each_row_once(business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "WRITE_BATCH", 1000)
    monkeypatch.setattr(imports, "SQLITE_WRITE_BATCH", 1000)
    monkeypatch.setattr(imports, "STAGE_CHUNK", 300)  # the resume starts inside a staged record
    rows = "".join(f"Pelanggan {i},0812{i:08d}\n" for i in range(2500))
    job = _check(_upload(business, "name,phone\n" + rows))
    assert imports.stage_path(job).exists()  # the import reads the checked rows back
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    original = imports._write_batch
    calls = {"n": 0}

    def crash_on_second_batch(job: CustomerImport, rows: list) -> dict:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return original(job, rows)

    imports._write_batch = crash_on_second_batch
    try:
        with pytest.raises(RuntimeError):
            imports.import_run(job.pk)
    finally:
        imports._write_batch = original
    job.refresh_from_db()
    assert job.processed_rows == 1000 and Customer.objects.count() == 1000
    job = imports.import_run(job.pk)
    assert job.status == "done" and Customer.objects.count() == 2500 and job.created_count == 2500
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(f"Pelanggan {i}" for i in range(2500))


def test_a_check_that_stops_part_way_leaves_no_staged_rows(business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "STAGE_CHUNK", 2)
    job = _check(_upload(business, "name,phone\nAyu,0812-1111-2222\nBela,0813-2222-3333\n"))
    assert imports.stage_path(job).exists()
    original = imports.RowChecker.finish

    def fail(self: imports.RowChecker, rows: list) -> None:
        raise RuntimeError("worker stopped")

    monkeypatch.setattr(imports.RowChecker, "finish", fail)
    with pytest.raises(RuntimeError):
        imports.import_check(job.pk)
    # The earlier check's rows are gone with it, and no half-written file takes their place.
    assert not imports.stage_path(job).exists()
    assert not list(imports.stage_path(job).parent.glob("*.part"))
    monkeypatch.setattr(imports.RowChecker, "finish", original)
    job = imports.import_check(job.pk)
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    assert imports.import_run(job.pk).created_count == 2


def _mixed_file(rows: int) -> str:
    """Good rows and every kind of bad one: a wrong phone, a duplicate in the file, no name, a
    wrong email, an unknown branch, a business field out of type."""
    lines = ["nama,telepon,email,home_branch,Berat badan (kg)"]
    for index in range(rows):
        phone = f"0812-{index // 10000:04d}-{index % 10000:04d}"
        cells = [f"Pelanggan {index}", phone, f"p{index}@example.com", "kmg", f'"{50 + index % 40},5"']
        if index % 7 == 3:
            cells[1] = "0812"
        elif index % 11 == 5:
            cells[1] = f"0812-{(index - 1) // 10000:04d}-{(index - 1) % 10000:04d}"
        elif index % 13 == 6:
            cells[0] = ""
        elif index % 17 == 8:
            cells[2] = "bukan-email"
        elif index % 19 == 9:
            cells[3] = "tidakada"
        elif index % 23 == 10:
            cells[4] = "berat"
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _checked_by(
    business: Business, text: str, monkeypatch: pytest.MonkeyPatch, helper: bool, encoding: str = "utf-8"
) -> CustomerImport:
    monkeypatch.setattr(imports, "HELPER_MIN_BYTES", 0 if helper else 10**12)
    return _check(_upload(business, text, encoding=encoding))


def _staged(job: CustomerImport) -> list:
    import marshal

    records = []
    with imports.stage_path(job).open("rb") as handle:
        while head := handle.read(8):
            records.extend(marshal.loads(handle.read(int.from_bytes(head, "little"))))
    return records


def _report(job: CustomerImport) -> list[list[str]]:
    return list(csv.reader(imports.report_path(job).open(encoding="utf-8")))


def _no_child_left() -> bool:
    import os

    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])  # as saved by an older Excel: José
def test_a_large_file_is_checked_by_two_processes_with_the_same_result(
    business: Business, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    import os

    custom_field_create(actor=business.owner, key="berat_badan", label="Berat badan (kg)", field_type="decimal")
    monkeypatch.setattr(imports, "STAGE_CHUNK", 4)  # 60 rows: 15 chunks, 11 of them the helper's
    monkeypatch.setattr(imports, "BATCH", 7)  # batch checks across the chunks of both processes
    text = _mixed_file(60).replace("Pelanggan 2,", "José Müller,")
    alone = _checked_by(business, text, monkeypatch, helper=False, encoding=encoding)
    forks = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    both = _checked_by(business, text, monkeypatch, helper=True, encoding=encoding)
    assert len(forks) == 1 and _no_child_left()
    assert (alone.total_rows, alone.valid_rows, alone.invalid_rows) == (60, 35, 25)
    assert (both.total_rows, both.valid_rows, both.invalid_rows) == (60, 35, 25)
    assert both.errors == alone.errors
    assert _report(both) == _report(alone)
    assert _staged(both) == _staged(alone) and len(_staged(both)) == 60
    imports.import_confirm(actor=business.owner, job=both, skip_invalid=True)
    assert imports.import_run(both.pk).created_count == 35
    assert Customer.objects.get(name="Pelanggan 1").custom == {"berat_badan": "51.5"}
    assert not Customer.objects.filter(name="Pelanggan 3").exists()  # its phone was refused
    assert Customer.objects.filter(name="José Müller").exists()  # the file's encoding read alike by both


@pytest.mark.parametrize("stops", ["exits", "hangs"])
def test_the_check_parses_the_rest_itself_when_its_helper_stops(
    business: Business, monkeypatch: pytest.MonkeyPatch, stops: str
) -> None:
    import os
    import time

    monkeypatch.setattr(imports, "STAGE_CHUNK", 4)
    monkeypatch.setattr(imports, "HELPER_PATIENCE", 0.5)
    text = _mixed_file(30)
    alone = _checked_by(business, text, monkeypatch, helper=False)
    parent, parse = os.getpid(), imports.RowChecker.parse
    parsed_here = []

    def dies_in_the_helper(self: imports.RowChecker, number: int, cells: list[str]) -> imports.Row:
        if os.getpid() != parent and number > 10:  # the helper stops in its second chunk
            if stops == "hangs":
                time.sleep(60)  # e.g. waiting for a lock no thread will release: stopped after 0.5 s
            os._exit(3)
        if os.getpid() == parent:
            parsed_here.append(number)
        return parse(self, number, cells)

    monkeypatch.setattr(imports.RowChecker, "parse", dies_in_the_helper)
    started = time.monotonic()
    both = _checked_by(business, text, monkeypatch, helper=True)
    assert _no_child_left() and time.monotonic() - started < 30
    assert (both.valid_rows, both.invalid_rows, both.errors) == (alone.valid_rows, alone.invalid_rows, alone.errors)
    assert _staged(both) == _staged(alone)
    # Rows 6-9 (the helper's first chunk) came from it; this process parsed everything else.
    assert 6 not in parsed_here and set(parsed_here) == set(range(2, 32)) - {6, 7, 8, 9}


def test_a_check_that_stops_part_way_stops_its_helper(business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "STAGE_CHUNK", 4)
    text = _mixed_file(40)

    def fail(self: imports.RowChecker, rows: list) -> None:
        raise RuntimeError("worker stopped")

    monkeypatch.setattr(imports.RowChecker, "finish", fail)
    with pytest.raises(RuntimeError):
        _checked_by(business, text, monkeypatch, helper=True)
    assert _no_child_left()
    assert not list(imports.stage_path(CustomerImport.objects.get()).parent.glob("*.checked*"))


def test_windows_1252_and_custom_fields(business: Business) -> None:
    custom_field_create(actor=business.owner, key="berat_badan", label="Berat badan (kg)", field_type="decimal")
    job = _check(
        _upload(business, "nama;telepon;Berat badan (kg)\nJosé Müller;0812-1111-2222;61,5\n", encoding="cp1252")
    )
    assert job.mapping == {"0": "name", "1": "phone", "2": "custom.berat_badan"}
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    imports.import_run(job.pk)
    customer = Customer.objects.get()
    assert customer.name == "José Müller" and customer.custom == {"berat_badan": "61.5"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("data.exe", b"MZ\x90\x00", "Upload a .csv or .xlsx file"),
        ("data.csv", b"PK\x03\x04rest", "zip or Office file"),
        ("data.csv", b"\x00\x01\x02binary", "not text"),
        ("data.csv", b"", "empty"),
    ],
)
def test_hostile_uploads_are_refused_with_a_clear_message(
    business: Business, name: str, content: bytes, reason: str
) -> None:
    with pytest.raises(ApplicationError) as error:
        imports.import_upload(actor=business.owner, uploaded=SimpleUploadedFile(name, content), mode="create")
    assert reason in error.value.message and "file" in error.value.extra
    assert not CustomerImport.objects.exists()


def test_zip_bomb_xlsx_is_refused(business: Business) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)
    with pytest.raises(ApplicationError) as error:
        imports.import_upload(
            actor=business.owner, uploaded=SimpleUploadedFile("bom.xlsx", buffer.getvalue()), mode="create"
        )
    assert "unpacks to far more data" in error.value.message


def test_oversized_upload_is_refused(business: Business) -> None:
    big = SimpleUploadedFile("big.csv", b"name\n" + b"x" * (50 * 1024 * 1024 + 1))
    with pytest.raises(ApplicationError) as error:
        imports.import_upload(actor=business.owner, uploaded=big, mode="create")
    assert "50 MB" in error.value.message


def test_xlsx_round_trip_with_formula_escaped(business: Business) -> None:
    from openpyxl import load_workbook

    customer_create(
        actor=business.owner,
        name='=HYPERLINK("http://x")',
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-1111-2222")]),
    )
    response = client_for(business.owner).get("/customers/export/?format=xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    name_column = rows[0].index("name")
    assert rows[1][name_column] == '\'=HYPERLINK("http://x")'


def test_xlsx_export_holds_the_csv_export_s_cells_and_text_stays_text(business: Business) -> None:
    from openpyxl import load_workbook

    custom_field_create(actor=business.owner, label="Nomor anggota lama", key="old_no", field_type="text")
    for name, phone, old in (
        ("http://contoh.id/promo", "0812-1111-2222", "00123"),
        ("Sari 1e5", "0813 5555 0000", "2024-01-02"),
        ("Dewi", "0857-0000-1111", "=SUM(A1)"),
    ):
        customer = customer_create(
            actor=business.owner,
            name=name,
            home_branch=business.branch_a,
            contacts=ContactPoints(phones=[PhoneIn(phone)]),
        )
        customer.custom = {"old_no": old}
        customer.save(update_fields=["custom"])
    client = client_for(business.owner)
    body = b"".join(client.get("/customers/export/").streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    expected = list(csv.reader(io.StringIO(body)))
    response = client.get("/customers/export/?format=xlsx")
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]
    assert [[str(value) for value in row] for row in rows] == expected
    assert len(rows) == 4
    header = rows[0]
    for row in rows[1:]:
        # Phone numbers, leading zeros, dates and number-like names are kept as the text they are.
        for column in ("name", "phone", "custom.old_no"):
            assert isinstance(row[header.index(column)], str)
    assert {row[header.index("custom.old_no")] for row in rows[1:]} == {"00123", "2024-01-02", "'=SUM(A1)"}
    assert not sheet.cell(row=2, column=header.index("name") + 1).hyperlink


def test_an_xlsx_export_larger_than_a_sheet_is_refused_with_a_way_out(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    from setia.core.models import AuditEvent
    from setia.customers import tabular

    monkeypatch.setattr(tabular, "XLSX_MAX_ROWS", 1)
    for name in ("Ayu", "Bela"):
        customer_create(actor=business.owner, name=name, home_branch=business.branch_a)
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    response = client.get("/customers/export/?format=xlsx&q=a")
    assert response.status_code == 302
    assert response["Location"] == "/customers/?q=a"
    page = client.get(response["Location"]).content.decode()
    assert "A spreadsheet sheet holds at most 1 rows; export these 2 customers as CSV." in page
    assert not AuditEvent.objects.filter(message="Exported %(count)s customers (%(filter)s)").exists()
    assert client.get("/customers/export/?q=a").status_code == 200  # CSV has no such limit


def test_csv_export_respects_branch_visibility_and_is_audited(business: Business) -> None:
    from setia.core.models import AuditEvent

    customer_create(actor=business.owner, name="Ayu", home_branch=business.branch_a)
    customer_create(actor=business.owner, name="Bela", home_branch=business.branch_b)
    body = b"".join(client_for(business.manager).get("/customers/export/").streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    names = [row["name"] for row in csv.DictReader(io.StringIO(body))]
    assert names == ["Ayu"]
    assert AuditEvent.objects.filter(
        actor=business.manager, message="Exported %(count)s customers (%(filter)s)", message_args__count=1
    ).exists()
    assert client_for(business.cashier_a).get("/customers/export/").status_code == 403


def test_escape_cell() -> None:
    assert escape_cell("=1+1") == "'=1+1" and escape_cell("+62812") == "'+62812" and escape_cell("Ayu") == "Ayu"


def test_management_command(business: Business, tmp_path: Path) -> None:
    from io import StringIO

    path = tmp_path / "p.csv"
    path.write_text("name,phone\nAyu,0812-1111-2222\nBad,12\n", encoding="utf-8")
    out = StringIO()
    from django.utils import translation

    with translation.override("en"):
        call_command(
            "import_customers", str(path), "--mode", "create", "--username", "owner", "--skip-invalid", stdout=out
        )
    assert "2 rows: 1 valid, 1 with errors" in out.getvalue() and "created 1" in out.getvalue()
    # The server's language (Indonesian by default) for the summary as for the reasons.
    path.write_text("name,phone\nBad,12\n", encoding="utf-8")
    indonesian = StringIO()
    with translation.override("id"):
        call_command(
            "import_customers", str(path), "--mode", "create", "--username", "owner", "--check-only", stdout=indonesian
        )
    assert "1 baris: 0 valid, 1 bermasalah" in indonesian.getvalue() and "baris 2:" in indonesian.getvalue()
    assert Customer.objects.get().name == "Ayu"


def test_import_pages_per_role(business: Business) -> None:
    assert client_for(business.cashier_a).get("/customers/import/").status_code == 403
    assert client_for(business.manager).get("/customers/import/").status_code == 200
    job = _upload(business, "name\nAyu\n")
    assert client_for(business.manager).get(f"/customers/import/{job.pk}/").status_code == 404  # not theirs
    assert client_for(business.owner).get(f"/customers/import/{job.pk}/").status_code == 200


def test_the_page_says_beside_the_box_that_rows_with_errors_need_a_choice(business: Business) -> None:
    job = _check(_upload(business, GOOD_AND_BAD))
    client = client_for(business.owner)
    client.cookies["django_language"] = "en"
    page = client.post(f"/customers/import/{job.pk}/", {"step": "import"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="skip-invalid-error"' in html
    assert 'data-testid="import-error"' not in html  # said once, beside the box
    assert "choose to import only the valid rows" in html
    job.refresh_from_db()
    assert job.status == CustomerImport.Status.CHECKED and Customer.objects.count() == 0


def test_the_page_writes_its_counts_with_thousands_separators(business: Business) -> None:
    job = _check(_upload(business, GOOD_AND_BAD))
    CustomerImport.objects.filter(pk=job.pk).update(total_rows=30000, valid_rows=29999, invalid_rows=1)
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    html = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert ">30.000<" in html and 'data-testid="valid-rows">29.999<' in html
    assert "Impor 29.999 baris" in html
    CustomerImport.objects.filter(pk=job.pk).update(
        status=CustomerImport.Status.DONE, created_count=29999, skipped_count=1
    )
    html = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert "Selesai: 29.999 dibuat" in html


def test_a_file_without_a_row_to_import_offers_only_to_start_again(business: Business) -> None:
    job = _check(_upload(business, "nama;telepon\nAyu;0812\n;0813-1111-2222\n"))
    assert (job.valid_rows, job.invalid_rows) == (0, 2)
    client = client_for(business.owner)
    client.cookies["django_language"] = "id"
    html = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert 'data-testid="nothing-to-import"' in html and "Tidak ada baris berkas ini yang dapat diimpor" in html
    assert 'data-testid="confirm-import"' not in html and 'name="skip_invalid"' not in html
    assert "Mulai lagi dengan berkas yang sudah diperbaiki" in html


FULL = (
    "external_id,name,phone,phone_2,email,birthday,gender,occupation,home_branch,owner,city,address_line,tags,"
    "interests,notes,Berat badan (kg)\n"
    "POS-1,Siti Nurhalizá,0812-1111-2222,+62 21 555 1234,Siti@Example.com,17/08/1990,perempuan,Guru,kmg,{owner},"
    'Bandung,Jl. Dago 1,VIP;Arisan,Yoga,suka pagi,"61,5"\n'
    "POS-2,Budi,0813-2222-3333,,,,,,dgo,,,,,,,\n"
)


def test_import_writes_exactly_what_the_check_validated(business: Business, monkeypatch: pytest.MonkeyPatch) -> None:
    from setia.core.models import AuditEvent
    from setia.customers.name_search import name_contains

    custom_field_create(actor=business.owner, key="berat_badan", label="Berat badan (kg)", field_type="decimal")
    job = _check(_upload(business, FULL.format(owner=business.cashier_a.username)))
    assert (job.total_rows, job.valid_rows, job.invalid_rows) == (2, 1, 1)  # "perempuan" is not a gender
    assert imports.stage_path(job).exists()
    job = _check(_upload(business, FULL.replace("perempuan", "female").format(owner=business.cashier_a.username)))
    assert (job.total_rows, job.valid_rows, job.invalid_rows) == (2, 2, 0)
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)

    def no_second_validation(*args: object) -> None:
        raise AssertionError("the import must not validate the rows again")

    monkeypatch.setattr(imports.RowChecker, "parse", no_second_validation)
    job = imports.import_run(job.pk)
    assert (job.status, job.created_count, job.skipped_count) == ("done", 2, 0)
    assert not imports.stage_path(job).exists()
    siti = Customer.objects.get(external_id="POS-1")
    assert (siti.name, siti.search_name, str(siti.birthday), siti.gender, siti.occupation, siti.notes) == (
        "Siti Nurhalizá",
        "siti nurhaliza",
        "1990-08-17",
        "female",
        "Guru",
        "suka pagi",
    )
    assert (siti.home_branch, siti.owner, siti.source, siti.version, siti.custom) == (
        business.branch_a,
        business.cashier_a,
        "import",
        1,
        {"berat_badan": "61.5"},
    )
    assert [(p.number, p.is_primary) for p in siti.phones.all()] == [("+6281211112222", True), ("+62215551234", False)]
    assert [(e.email, e.is_primary) for e in siti.emails.all()] == [("siti@example.com", True)]
    address = siti.addresses.select_related("regency").get()
    assert address.regency is not None
    assert (address.line, address.regency.name, address.province_id, address.label) == (
        "Jl. Dago 1",
        "Kota Bandung",
        "32",
        "home",
    )
    assert sorted((t.kind, t.name) for t in siti.tags.all()) == [
        ("interest", "Yoga"),
        ("label", "Arisan"),
        ("label", "VIP"),
    ]
    # One audit event for the batch, not one per customer: it names the import and the ids created.
    assert not AuditEvent.objects.filter(subject_key=f"customers.customer:{siti.pk}").exists()
    event = AuditEvent.objects.get(
        object_type="customers.customerimport", message="Imported %(count)s customers", message_args__count=2
    )
    budi_pk = Customer.objects.get(external_id="POS-2").pk
    assert (event.action, event.actor, event.object_id, event.changes) == (
        "create",
        business.owner,
        str(job.pk),
        {"customers": [None, 2], "ids": [None, [[min(siti.pk, budi_pk), max(siti.pk, budi_pk)]]]},
    )
    assert imports.imported_event(siti) == event
    budi = Customer.objects.get(external_id="POS-2")
    assert (budi.home_branch, budi.owner, budi.birthday, budi.gender, budi.kind, budi.custom) == (
        business.branch_b,
        None,
        None,
        "",
        "person",
        {},
    )
    assert list(Customer.objects.filter(name_contains("nurhal"))) == [siti]  # the search index has it


def test_a_customer_added_between_check_and_import_is_not_duplicated(business: Business) -> None:
    job = _check(_upload(business, "name,phone\nAyu,0812-1111-2222\nBela,0813-2222-3333\n"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    customer_create(
        actor=business.owner,
        name="Ayu",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812 1111 2222")]),
    )
    job = imports.import_run(job.pk)
    assert (job.created_count, job.skipped_count) == (1, 1)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Ayu", "Bela"]
    report = list(csv.reader(imports.report_path(job).open(encoding="utf-8")))
    assert report[1][:2] == ["Ayu", "0812-1111-2222"] and "matches existing customer" in report[1][-1]


def test_an_owner_deactivated_after_the_check_skips_the_row(business: Business) -> None:
    job = _check(_upload(business, f"name,phone,owner\nAyu,0812-1111-2222,{business.cashier_a.username}\n"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    business.cashier_a.is_active = False
    business.cashier_a.save(update_fields=["is_active"])
    job = imports.import_run(job.pk)
    assert (job.created_count, job.skipped_count) == (0, 1)
    assert not Customer.objects.exists()
    report = list(csv.reader(imports.report_path(job).open(encoding="utf-8")))
    assert report[1][-1] == "owner: no longer available; check the file again"


def test_an_imported_customer_s_timeline_says_imported_with_a_link_to_the_import(business: Business) -> None:
    from django.urls import reverse

    from setia.customers.timeline import timeline_for

    earlier = customer_create(
        actor=business.owner, name="Rina", home_branch=business.branch_a, contacts=ContactPoints()
    )
    job = _check(_upload(business, "name,phone\nAyu,0812-1111-2222\nBela,0813-2222-3333\n"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    imports.import_run(job.pk)
    bela = Customer.objects.get(name="Bela")
    entries = [entry for entry in timeline_for(bela) if entry.title == "imported"]
    assert len(entries) == 1
    link = reverse("customers:import_detail", args=[job.pk])
    assert (entries[0].url, entries[0].actor, entries[0].at) == (link, "Nur", bela.created_at)
    assert f"#{job.pk}" in entries[0].detail and "pelanggan.csv" in entries[0].detail
    # Only older entries are asked for when paging back past the import.
    assert not [entry for entry in timeline_for(bela, before=bela.created_at) if entry.title == "imported"]
    # A customer the import did not create has no such entry.
    assert not [entry for entry in timeline_for(earlier) if entry.title == "imported"]
    page = client_for(business.owner).get(reverse("customers:detail", args=[bela.pk])).content.decode()
    assert f"#{job.pk}: pelanggan.csv" in page  # the 360° page names the import


@pytest.mark.django_db(transaction=True)
def test_a_pipelined_import_resumes_after_interruption_and_keeps_duplicates_out(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, outside a transaction, a writer thread writes each batch while the next is
    checked; the checkpoint still covers whole batches in file order."""
    from django.db import connection

    monkeypatch.setattr(imports, "WRITE_BATCH", 1000)
    monkeypatch.setattr(imports, "SQLITE_WRITE_BATCH", 1000)
    rows = [f"Pelanggan {i},0812{i:08d}" for i in range(2500)]
    rows[1500] = "Pelanggan Ganda,0812-0000-0010"  # the phone of row 10, a batch earlier
    job = _check(_upload(business, "name,phone\n" + "\n".join(rows) + "\n"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=True)
    original = imports._write_batch

    def crash_on_second_batch(job: CustomerImport, rows: list) -> dict:
        # By its rows, not by call order: the two writer threads may start their batches either way.
        if rows and rows[0].number == 1002:  # the second batch (lines 1002-2001 of the file)
            raise RuntimeError("power cut")
        return original(job, rows)

    monkeypatch.setattr(imports, "_write_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        imports.import_run(job.pk)
    job.refresh_from_db()
    assert job.processed_rows == 1000 and Customer.objects.count() == 1000
    monkeypatch.setattr(imports, "_write_batch", original)
    job = imports.import_run(job.pk)
    assert (job.status, job.created_count, job.skipped_count) == ("done", 2499, 1)
    assert Customer.objects.count() == 2499 and not Customer.objects.filter(name="Pelanggan Ganda").exists()
    assert connection.vendor != "postgresql" or not connection.in_atomic_block  # the pipelined path ran


@pytest.mark.django_db(transaction=True)
def test_batches_written_at_once_keep_tags_updates_and_the_checkpoint_in_order(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL two writer connections write consecutive batches at the same time: a new tag
    named in every batch is created once, updates of existing customers land, every batch commits
    after the one before it (the checkpoint only grows), and a failed batch rolls back the next."""
    from django.db import connection

    from setia.customers.models import Tag

    monkeypatch.setattr(imports, "WRITE_BATCH", 200)
    monkeypatch.setattr(imports, "SQLITE_WRITE_BATCH", 200)
    existing = customer_create(
        actor=business.owner,
        name="Lama",
        home_branch=business.branch_a,
        contacts=ContactPoints(phones=[PhoneIn("0812-0000-0799")]),
    )
    rows = [f"Pelanggan {i},0812{i:08d},Baru;VIP" for i in range(800)]  # row 799 matches "Lama"
    job = _check(_upload(business, "name,phone,tags\n" + "\n".join(rows) + "\n", mode="upsert"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    checkpoints: list[tuple[int, int]] = []
    original = imports._write_and_checkpoint

    def record(job: CustomerImport, batch: list, previous: object = None) -> None:
        original(job, batch, previous)  # type: ignore[arg-type]
        # The next batch cannot commit before this returns: the checkpoint is this batch's end.
        rows_before = batch[0].number - 2  # the header is line 1
        checkpoints.append((rows_before + len(batch), CustomerImport.objects.get(pk=job.pk).processed_rows))

    monkeypatch.setattr(imports, "_write_and_checkpoint", record)
    job = imports.import_run(job.pk)
    assert (job.status, job.created_count, job.updated_count, job.skipped_count) == ("done", 799, 1, 0)
    assert checkpoints == [(end, end) for end in (200, 400, 600, 800)]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Baru", "VIP"]
    assert Customer.objects.filter(tags__name="VIP").count() == 800
    existing.refresh_from_db()
    assert sorted(existing.tags.values_list("name", flat=True)) == ["Baru", "VIP"]

    # A batch that fails takes the batch written beside it down with it; the checkpoint stays whole.
    rows = [f"Kedua {i},0813{i:08d}" for i in range(800)]
    job = _check(_upload(business, "name,phone\n" + "\n".join(rows) + "\n"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    write_batch = imports._write_batch

    def fail_second(job: CustomerImport, rows: list) -> dict:
        if rows and rows[0].number == 202:  # the second batch (lines 202-401 of the file)
            raise RuntimeError("disk full")
        return write_batch(job, rows)

    monkeypatch.setattr(imports, "_write_and_checkpoint", original)
    monkeypatch.setattr(imports, "_write_batch", fail_second)
    with pytest.raises(RuntimeError):
        imports.import_run(job.pk)
    job.refresh_from_db()
    assert job.processed_rows == 200 and Customer.objects.filter(name__startswith="Kedua").count() == 200
    monkeypatch.setattr(imports, "_write_batch", write_batch)
    job = imports.import_run(job.pk)
    assert (job.status, job.created_count) == ("done", 800)
    assert Customer.objects.filter(name__startswith="Kedua").count() == 800
    assert connection.vendor != "postgresql" or not connection.in_atomic_block  # the pipelined path ran


def test_each_batch_checks_the_branches_staff_regions_and_tags_it_refers_to(business: Business) -> None:
    """SQLite imports write without per-row foreign-key lookups; each batch checks its references."""
    from django.db import IntegrityError

    from setia.accounts.models import Branch

    job = _check(_upload(business, "name,phone,home_branch,city\nAyu,0812-1111-2222,kmg,Bandung\n"))
    checker = imports.RowChecker(job)
    row = checker.parse(2, ["Ayu", "0812-1111-2222", "kmg", "Bandung"])
    assert not row.errors
    imports._check_references(job, [row], {})
    for key, gone in (("home_branch", Branch(pk=987654, code="hilang")), ("owner", type(business.owner)(pk=987654))):
        with pytest.raises(IntegrityError):
            imports._check_references(job, [imports.Row(2, values={**row.values, key: gone})], {})
    with pytest.raises(IntegrityError):
        imports._check_references(job, [row], {("label", "vip"): 987654})


def test_copy_text_is_formatted_a_column_at_a_time_exactly_as_value_by_value() -> None:
    import datetime as dt
    import decimal
    import random

    from setia.core.bulk import copy_block, copy_value

    rng = random.Random(11)
    pool: list[object] = ["a", "", "x\ty", "b\\c", "baris\nbaru", "é ü", "\r", None, 1, 0, -5, True, False, 2**40]
    pool += [dt.date(2020, 1, 2), decimal.Decimal("1.50"), "'%s'"]
    for _ in range(2000):
        kinds = [rng.sample(pool, rng.randint(1, 4)) for _ in range(rng.randint(1, 6))]
        rows = [tuple(rng.choice(kind) for kind in kinds) for _ in range(rng.randint(1, 8))]
        constants = rng.choice(["", "\tt\t\\N"])
        expected = "".join("\t".join(map(copy_value, row)) + constants + "\n" for row in rows)
        assert copy_block(rows, constants) == expected, rows


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("row_checks", ["per batch", "per row"])
def test_a_branch_deleted_between_check_and_write_fails_its_batch_and_writes_none_of_it(
    business: Business, monkeypatch: pytest.MonkeyPatch, row_checks: str
) -> None:
    """PostgreSQL checks the parents of a batch's new customers in one locking statement per table
    (`FOR KEY SHARE`) and then writes them without per-row foreign-key checks — or, when it may
    not (no superuser, a trigger), with them. Either way a branch that has gone by the time its
    batch is written fails that batch: nothing of it is written, the batches before it stay."""
    from django.db import IntegrityError, connection

    from setia.accounts.models import Branch
    from setia.core.models import AuditEvent
    from setia.customers.models import Address, CustomerPhone, Province, Regency

    monkeypatch.setattr(imports, "WRITE_BATCH", 200)
    monkeypatch.setattr(imports, "SQLITE_WRITE_BATCH", 200)
    held: list[str] = []
    if row_checks == "per row":
        monkeypatch.setattr(imports, "row_checks_skippable", lambda *models: False)
    else:
        hold_keys = imports.hold_keys

        def spy(model: type, keys: object) -> bool:
            held.append(model.__name__)
            return hold_keys(model, keys)  # type: ignore[arg-type]

        monkeypatch.setattr(imports, "hold_keys", spy)
    Branch.objects.create(name="Baru", code="baru")
    # A region of its own: a test that empties the database (transaction=True) empties the regions too.
    province, _created = Province.objects.get_or_create(code="99", defaults={"name": "Provinsi Uji"})
    Regency.objects.get_or_create(code="99.01", defaults={"name": "Kota Uji", "province": province})
    rows = [f"Pelanggan {i},0812{i:08d},{'kmg' if i < 200 else 'baru'},Kota Uji,Jl. {i}" for i in range(300)]
    job = _check(_upload(business, "name,phone,home_branch,city,address_line\n" + "\n".join(rows) + "\n"))
    assert job.valid_rows == 300
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    checker_init = imports.RowChecker.__init__

    def delete_branch_after_loading(self: imports.RowChecker, job: CustomerImport) -> None:
        checker_init(self, job)  # the import now holds the branch as it was
        Branch.objects.filter(code="baru").delete()

    monkeypatch.setattr(imports.RowChecker, "__init__", delete_branch_after_loading)
    with pytest.raises(IntegrityError):
        imports.import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == ("importing", 200, 200)
    assert Customer.objects.count() == 200
    assert set(Customer.objects.values_list("home_branch", flat=True)) == {business.branch_a.pk}
    assert CustomerPhone.objects.count() == 200 and Address.objects.count() == 200
    assert (
        AuditEvent.objects.filter(
            object_type="customers.customerimport", message="Imported %(count)s customers"
        ).count()
        == 1
    )
    if connection.vendor == "postgresql" and row_checks == "per batch":
        assert "Branch" in held and "Regency" in held  # the per-batch path ran


def test_columns_the_file_does_not_map_get_the_import_s_values(business: Business) -> None:
    """Unmapped columns go to the database as one constant per batch: the source is 'import', a
    branch-scoped importer's customers belong to her branch, the address is a home address."""
    job = imports.import_upload(
        actor=business.manager,
        uploaded=SimpleUploadedFile("p.csv", b"name,phone,address_line\nAyu,0812-1111-2222,Jl. Dago 1\n"),
        mode="create",
    )
    job = _check(job)
    imports.import_confirm(actor=business.manager, job=job, skip_invalid=False)
    job = imports.import_run(job.pk)
    assert job.created_count == 1
    ayu = Customer.objects.get(name="Ayu")
    defaults = Customer(name="x")
    assert (ayu.source, ayu.home_branch, ayu.owner, ayu.custom, ayu.external_id) == (
        "import",
        business.branch_a,
        None,
        {},
        None,
    )
    assert (ayu.kind, ayu.gender, ayu.birthday, ayu.occupation, ayu.preferred_language, ayu.notes) == (
        defaults.kind,
        defaults.gender,
        None,
        "",
        defaults.preferred_language,
        "",
    )
    assert ayu.preferred_channel == defaults.preferred_channel
    address = ayu.addresses.get()
    assert (address.line, address.label, address.landmark, address.regency_id) == ("Jl. Dago 1", "home", "", None)


def test_an_import_in_a_process_that_froze_its_startup_objects_leaves_them_frozen(business: Business) -> None:
    import gc

    gc.freeze()
    try:
        job = _check(_upload(business, "name,phone\nAyu,0812-1111-2222\n"))
        imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
        assert imports.import_run(job.pk).created_count == 1
        assert gc.get_freeze_count() > 0  # frozen again (after one collection), not left released
    finally:
        gc.unfreeze()
    with imports._long_lived_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0  # nothing frozen before: nothing left frozen


def test_an_import_leaves_the_collector_and_the_connection_as_they_were(business: Business) -> None:
    import gc

    from django.db import connection

    def pragmas() -> list[int]:
        with connection.cursor() as cursor:
            values = []
            for name in ("wal_autocheckpoint", "cache_size", "temp_store", "foreign_keys"):
                cursor.execute(f"PRAGMA {name}")
                values.append(cursor.fetchone()[0])
            return values

    thresholds = gc.get_threshold()
    before = pragmas() if connection.vendor == "sqlite" else []
    job = _check(_upload(business, "name,phone\nAyu,0812-1111-2222\nBudi,0812-1111-3333\n"))
    imports.import_confirm(actor=business.owner, job=job, skip_invalid=False)
    assert imports.import_run(job.pk).created_count == 2
    assert gc.get_threshold() == thresholds
    if connection.vendor == "sqlite":
        assert pragmas() == before


def test_problems_name_the_files_own_columns_and_indonesian_headers_map_themselves(business: Business) -> None:
    """The check's problem list shows the file's column titles; headers written with underscores
    or hyphens (tanggal_lahir, jenis-kelamin) are matched like their spaced forms."""
    from django.test import Client
    from django.utils import translation

    text = "nama,telepon,tanggal_lahir,jenis-kelamin\nAyu,0812-1111-2222,31/02/1990,perempuan\n"
    job = _upload(business, text)
    assert job.mapping == {"0": "name", "1": "phone", "2": "birthday", "3": "gender"}
    with translation.override("id"):  # the worker's language: "perempuan" is a label of "female"
        job = _check(job)
    assert [target for _number, target, _message in job.errors] == ["birthday"]
    client = Client()
    client.force_login(business.owner)
    page = client.get(f"/customers/import/{job.pk}/")
    assert page.context["problems"] == [(2, "tanggal_lahir", job.errors[0][2])]
    assert "31/02/1990" in job.errors[0][2]  # the day does not exist, not "write it as DD/MM/YYYY"


def test_export_rows_carry_every_contact_tag_address_and_field_across_chunks(
    business: Business, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from django.utils import timezone

    from setia.customers import exports, selectors
    from setia.customers.custom_fields import active_definitions
    from setia.customers.models import Address, CustomerEmail, CustomerPhone, CustomFieldDefinition, Regency, Tag

    CustomFieldDefinition.objects.create(key="hobi", label="Hobi", field_type="multi_choice", choices=["a", "b"])
    CustomFieldDefinition.objects.create(key="umur", label="Umur", field_type="integer")
    regency = Regency.objects.select_related("province").first()
    assert regency is not None
    ayu = Customer.objects.create(
        name="Ayu",
        external_id="X-1",
        member_number="M-1",
        home_branch=business.branch_a,
        owner=business.manager,
        birthday=dt.date(1990, 5, 17),
        notes="VIP",
        custom={"hobi": ["a", "b"], "umur": 30},
    )
    bare = Customer.objects.create(name="Bela")
    cici = Customer.objects.create(name="Cici", home_branch=business.branch_b)
    for number, primary in (("081211110001", False), ("081211110002", True), ("081211110003", False)):
        CustomerPhone.objects.create(customer=ayu, number=number, is_primary=primary)
    CustomerPhone.objects.create(customer=cici, number="081233330001", is_primary=True)
    CustomerEmail.objects.create(customer=ayu, email="ayu.lama@example.com", is_primary=False)
    CustomerEmail.objects.create(customer=ayu, email="ayu@example.com", is_primary=True)
    ayu.tags.set(
        [
            Tag.objects.create(name="Zeta", kind="label"),
            Tag.objects.create(name="Alpha", kind="label"),
            Tag.objects.create(name="Kopi", kind="interest"),
        ]
    )
    Address.objects.create(customer=ayu, line="Jl. Lama 1", label="office")
    Address.objects.create(
        customer=ayu,
        line="Jl. Baru 2",
        landmark="dekat masjid",
        province=regency.province,
        regency=regency,
        last_used_at=timezone.now(),
    )
    Address.objects.create(customer=cici, line="Jl. Cici 3")
    monkeypatch.setattr(exports, "CHUNK", 2)  # Ayu and Bela in the first thousand, Cici in the next

    rows = list(
        exports.export_rows(
            selectors.customer_list(actor=business.owner, filters=selectors.ListFilters()), active_definitions()
        )
    )

    def stamp(customer: Customer) -> str:
        return customer.created_at.isoformat(timespec="seconds")

    assert rows == [
        [
            ayu.pk, "X-1", "M-1", ayu.kind, "Ayu", "081211110002", "081211110001", "081211110003",
            "ayu@example.com", "ayu.lama@example.com", "1990-05-17", ayu.gender, "", ayu.preferred_language,
            ayu.preferred_channel, ayu.source, "kmg", "manager", "Alpha, Zeta", "Kopi", "home", "Jl. Baru 2",
            "dekat masjid", regency.province.name, regency.name, "", "VIP", stamp(ayu), "a; b", 30,
        ],
        [
            bare.pk, "", "", bare.kind, "Bela", "", "", "", "", "", "", bare.gender, "", bare.preferred_language,
            bare.preferred_channel, bare.source, "", "", "", "", "", "", "", "", "", "", "", stamp(bare), "", "",
        ],
        [
            cici.pk, "", "", cici.kind, "Cici", "081233330001", "", "", "", "", "", cici.gender, "",
            cici.preferred_language, cici.preferred_channel, cici.source, "dgo", "", "", "", "home", "Jl. Cici 3",
            "", "", "", "", "", stamp(cici), "", "",
        ],
    ]  # fmt: skip
