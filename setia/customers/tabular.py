"""Customer rows as tables: the column layout shared by export and import, and safe reading and
writing of CSV and XLSX files."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from setia.core.errors import ApplicationError

# Standard columns, in export order. Custom fields follow as `custom.<key>`.
COLUMNS = [
    "id",
    "external_id",
    "member_number",
    "kind",
    "name",
    "phone",
    "phone_2",
    "phone_3",
    "email",
    "email_2",
    "birthday",
    "gender",
    "occupation",
    "preferred_language",
    "preferred_channel",
    "source",
    "home_branch",
    "owner",
    "tags",
    "interests",
    "address_label",
    "address_line",
    "address_landmark",
    "province",
    "city",
    "district",
    "notes",
    "created_at",
]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_XLSX_RATIO = 100  # a real sheet compresses ~10x; a zip bomb far more
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in chunks (UTF-8 with BOM so spreadsheet programs read Indonesian names right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(header)
    for index, row in enumerate(rows, start=1):
        writer.writerow([escape_cell("" if value is None else value) for value in row])
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header


def write_xlsx(header: list[str], rows: Iterable[list[Any]], path: Path) -> None:
    """The rows as one sheet, written a row at a time (xlsxwriter: 100,000 customers in less than
    half of openpyxl's time). Text stays text: nothing becomes a formula, link or number. More
    rows than a sheet holds is an error, not a file cut short."""
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as workbook:
        sheet = workbook.add_worksheet("customers")
        sheet.write_row(0, 0, header)
        for index, row in enumerate(rows, start=1):
            if sheet.write_row(index, 0, [escape_cell("" if value is None else value) for value in row]) < 0:
                raise ValueError(f"row {index} does not fit in a sheet")


# --- Reading uploads ----------------------------------------------------------------------------


def _file_error(message: str) -> ApplicationError:
    return ApplicationError(message, {"file": [message]})


def detect_format(name: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        if not name.lower().endswith((".xlsx", ".xlsm")):
            raise _file_error(_("This looks like a zip or Office file; upload a .csv or .xlsx file."))
        return "xlsx"
    if name.lower().endswith((".csv", ".txt")):
        if b"\x00" in head:
            raise _file_error(_("This file is not text; upload a .csv or .xlsx file."))
        return "csv"
    raise _file_error(_("Upload a .csv or .xlsx file."))


def check_xlsx(path: Path) -> None:
    """Refuse zip bombs and broken archives before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as error:
        raise _file_error(_("The XLSX file is damaged.")) from error
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked / packed > MAX_XLSX_RATIO:
        raise _file_error(_("The XLSX file unpacks to far more data than a customer list holds; it is refused."))


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which older Excel versions save."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file's characters cannot be read; save it as CSV UTF-8."))


def csv_rows(path: Path) -> Iterator[list[str]]:
    text = decode_text(path.read_bytes())
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    check_xlsx(path)
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if value is None else _cell_text(value) for value in row]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(path: Path, file_format: str) -> Iterator[list[str]]:
    rows = xlsx_rows(path) if file_format == "xlsx" else csv_rows(path)
    for row in rows:
        cleaned = [cell.strip() for cell in row]
        if any(cleaned):
            yield cleaned
