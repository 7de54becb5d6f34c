"""Reading a sheet someone uploads (XLSX, UTF-8 or GBK CSV), for every import: the roster, mentor
pairs, exchanges, tours. Each import says what its columns are called and what a row means; this
module reads the file, finds the columns, walks the rows and gathers every bad cell into the one
refusal (422, nothing written), so a sheet is fixed once instead of row by row.

The file is hostile until read: a workbook is a zip, checked for what it unpacks to before
openpyxl opens it; rows are counted as they are read and reading stops past the cap. Reading is
CPU-bound: run `read_table` in a thread, as `read_sheet` does."""

import asyncio
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from openpyxl import load_workbook

from contracts.directory.api import ImportRowError
from contracts.errors import DomainError

# A county's teachers fit in one file with room to spare; a workbook of that many rows unpacks
# to a few MB in a dozen parts. Anything past these is not a sheet of ours.
MAX_ROWS = 20_000
MAX_COLUMNS = 20  # the widest import has nine; more are ignored
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_ZIP_ENTRIES = 100
SHOWN_ERRORS = 200
DATE_PARTS = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")

# Column → the header spellings in use, the first one (Chinese) naming the column in errors.
Headers = Mapping[str, tuple[str, ...]]


class RosterRejected(DomainError):
    status_code = 422

    def __init__(self, errors: list[ImportRowError]) -> None:
        super().__init__(f"名册有 {len(errors)} 处错误，未导入任何数据 (nothing was imported)")
        self.errors = errors[:SHOWN_ERRORS]  # the answer stays small however bad the file
        self.more_errors = len(errors) - len(self.errors)


def _unreadable(reason: str) -> RosterRejected:
    return RosterRejected([ImportRowError(row=0, column="", reason=reason)])


async def read_sheet(content: bytes, filename: str) -> list[list[str]]:
    """`read_table` off the event loop."""
    return await asyncio.to_thread(read_table, content, filename)


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The sheet as rows of cells (strings), header first. XLSX, UTF-8 CSV or GBK CSV.
    Raises RosterRejected for what is not a readable sheet."""
    is_xlsx = filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"
    try:
        rows = _xlsx_rows(content) if is_xlsx else _csv_rows(content)
        table = list(islice(rows, 1 + MAX_ROWS + 1))  # the header, the rows, one more tells "too many"
    except RosterRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the parser trips on, the file is at fault
        raise _unreadable("无法读取文件，请上传 XLSX 或 CSV (unreadable file: XLSX or CSV expected)") from exc
    if len(table) > 1 + MAX_ROWS:
        raise _unreadable(f"超过 {MAX_ROWS} 行 (more than {MAX_ROWS} rows)")
    return table


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        # Sizes as the zip declares them; zipfile reads no more than declared (then fails its CRC check).
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
            raise _unreadable(f"工作簿解压后超过 {MAX_UNPACKED_BYTES // 2**20} MB (the workbook unpacks too large)")
    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
    sheet.reset_dimensions()  # the declared size may lie: read the rows that are there
    for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        yield [_cell_text(value) for value in row]


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030")  # what Chinese Excel writes for "CSV"; a superset of GBK
    for row in csv.reader(io.StringIO(text)):
        yield [cell.strip() for cell in row[:MAX_COLUMNS]]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores phone numbers as floats
    return str(value).strip()


def day(text: str) -> date | None:
    """2026-09-01, 2026/9/1, 2026年9月1日, or Excel's datetime shown as text; None for anything else."""
    match = DATE_PARTS.match(text.strip())
    try:
        return date(*(int(part) for part in match.groups())) if match else None
    except ValueError:  # 2026-02-30
        return None


@dataclass
class Row:
    """One non-empty row: its number as the sheet shows it, and each column's stripped cell ("" when
    the column or the cell is not there)."""

    number: int
    value: dict[str, str]
    headers: Headers
    errors: list[ImportRowError] = field(default_factory=list)

    def bad(self, column: str, reason: str) -> None:
        """A problem with the row's `column` ("" for the row as a whole), named by its header."""
        name = self.headers[column][0] if column else ""
        self.errors.append(ImportRowError(row=self.number, column=name, reason=reason))


class Sheet:
    """A table read against its headers. The header row must have every required column (the first
    spelling that appears is used); `rows()` gives the rows with their required cells checked, and
    `refuse_if_bad()` raises the one refusal with every error gathered."""

    def __init__(self, table: list[list[str]], headers: Headers, required: tuple[str, ...]) -> None:
        if not table:
            raise RosterRejected([ImportRowError(row=1, column="", reason="文件为空 (empty file)")])
        self.table, self.headers, self.required = table, headers, required
        spelled = {alias.lower(): column for column, aliases in headers.items() for alias in aliases}
        self.positions: dict[str, int] = {}
        for index, title in enumerate(table[0]):
            column = spelled.get(title.strip().lower())
            if column and column not in self.positions:
                self.positions[column] = index
        self.errors = [ImportRowError(row=1, column=headers[column][0], reason="缺少这一列 (column missing)")
                       for column in required if column not in self.positions]

    def rows(self) -> Iterator[Row]:
        """The non-empty rows; a row's errors join the sheet's once the caller is done with it.
        Refuses the sheet first when its header row is bad."""
        self.refuse_if_bad()
        for number, cells in enumerate(self.table[1:], start=2):
            if not any(cells):
                continue
            value = {column: "" for column in self.headers}
            value.update((column, cells[i].strip()) for column, i in self.positions.items() if i < len(cells))
            row = Row(number=number, value=value, headers=self.headers)
            for column in self.required:
                if not value[column]:
                    row.bad(column, "必填 (required)")
            yield row
            self.errors.extend(row.errors)

    def refuse_if_bad(self) -> None:
        if self.errors:
            raise RosterRejected(self.errors)
