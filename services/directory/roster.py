"""Roster import (名册导入): the CSV / XLSX files schools export, all or nothing.

Every row is checked before anything is written; one bad row and the whole file is refused
with its problems listed (the first SHOWN_ERRORS, and how many more), so a school fixes its
sheet once instead of row by row.

The file is hostile until read: a workbook is a zip, checked for what it unpacks to before
openpyxl opens it; rows are counted as they are read and reading stops past the cap; reading
and checking run in a thread, so the event loop keeps answering meanwhile."""

import asyncio
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from email_validator import EmailNotValidError, validate_email
from openpyxl import load_workbook
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import (
    MAX_NAME, MAX_SUBJECTS, MOBILE_PATTERN, GradeBand, ImportResult, ImportRowError, Locality,
)
from contracts.errors import DomainError, InvalidField
from models import School, Teacher, TeacherSubject, User
from services.accounts.service import ensure_teacher_login, teacher_login
from services.directory.service import moved_school

# Column → the header spellings schools use (Chinese first, English aliases after).
HEADERS: dict[str, tuple[str, ...]] = {
    "staff_no": ("工号", "staff_no", "staff number", "id"),
    "name": ("姓名", "name"),
    "school": ("学校", "school"),
    "subjects": ("学科", "subject", "subjects"),
    "grade_band": ("学段", "grade_band", "grade band", "stage"),
    "phone": ("手机", "手机号", "phone", "mobile"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
    # Optional: the school's locality (城区 / 乡镇 / 农村), set on the school; its rows must agree.
    "locality": ("城乡", "学校所在地", "locality"),
}
REQUIRED = ("staff_no", "name", "school", "subjects", "grade_band", "phone")
GRADE_BAND_ALIASES = {"幼儿园": GradeBand.preschool, "幼教": GradeBand.preschool} | {g.value: g for g in GradeBand}
SUBJECT_SEPARATORS = re.compile(r"[、,，/;；\s]+")
STAFF_NO_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

# A county's teachers fit in one file with room to spare; a workbook of that many rows unpacks
# to a few MB in a dozen parts. Anything past these is not a roster.
MAX_ROWS = 20_000
MAX_COLUMNS = 20  # the roster has seven; more are ignored
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_ZIP_ENTRIES = 100
SHOWN_ERRORS = 200
INSERT_CHUNK = 200  # new teachers per INSERT: its parameters are processed on the event loop, a few ms


class RosterRejected(DomainError):
    status_code = 422

    def __init__(self, errors: list[ImportRowError]) -> None:
        super().__init__(f"名册有 {len(errors)} 处错误，未导入任何数据 (nothing was imported)")
        self.errors = errors[:SHOWN_ERRORS]  # the answer stays small however bad the file
        self.more_errors = len(errors) - len(self.errors)


def _unreadable(reason: str) -> RosterRejected:
    return RosterRejected([ImportRowError(row=0, column="", reason=reason)])


@dataclass(frozen=True)
class RosterRow:
    row: int
    staff_no: str
    name: str
    school_id: int
    subjects: list[str]
    grade_band: GradeBand
    phone: str
    email: str | None
    locality: Locality | None = None


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The sheet as rows of cells (strings), header first. XLSX, UTF-8 CSV or GBK CSV.
    CPU-bound: run it in a thread. Raises RosterRejected for what is not a readable roster."""
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


def _column_positions(header: list[str]) -> tuple[dict[str, int], list[ImportRowError]]:
    lookup = {alias.lower(): field for field, aliases in HEADERS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        field = lookup.get(title.strip().lower())
        if field and field not in positions:
            positions[field] = index
    missing = [
        ImportRowError(row=1, column=HEADERS[field][0], reason="缺少这一列 (column missing)")
        for field in REQUIRED
        if field not in positions
    ]
    return positions, missing


async def _school_ids_by_name(session: AsyncSession) -> dict[str, int | None]:
    """School name → id; None where two schools share the name (the row is then ambiguous)."""
    ids: dict[str, int | None] = {}
    for school_id, name in await session.execute(select(School.id, School.name)):
        ids[name] = None if name in ids else school_id
    return ids


async def validate_rows(session: AsyncSession, *, table: list[list[str]]) -> list[RosterRow]:
    schools = await _school_ids_by_name(session)
    usernames_of_others = set(await session.scalars(select(User.username).where(User.teacher == None)))  # noqa: E711
    # Up to MAX_ROWS rows of checks (e-mail parsing among them): off the event loop.
    return await asyncio.to_thread(_checked_rows, table, schools=schools, usernames_of_others=usernames_of_others)


def _checked_rows(table: list[list[str]], *, schools: dict[str, int | None],
                  usernames_of_others: set[str]) -> list[RosterRow]:
    if not table:
        raise RosterRejected([ImportRowError(row=1, column="", reason="文件为空 (empty file)")])
    positions, errors = _column_positions(table[0])
    if errors:
        raise RosterRejected(errors)
    first_row_of: dict[str, int] = {}
    locality_of: dict[str, tuple[Locality, int]] = {}  # school name → its locality, and the row that said so
    rows: list[RosterRow] = []

    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        value = {field: cells[i].strip() if i < len(cells) else "" for field, i in positions.items()}
        row_errors: list[ImportRowError] = []

        def bad(field: str, reason: str) -> None:
            row_errors.append(ImportRowError(row=number, column=HEADERS[field][0], reason=reason))

        for field in REQUIRED:
            if not value[field]:
                bad(field, "必填 (required)")
        if len(value["name"]) > MAX_NAME:
            bad("name", f"姓名超过 {MAX_NAME} 字 (name longer than {MAX_NAME} characters)")
        subjects = [s for s in SUBJECT_SEPARATORS.split(value["subjects"]) if s]
        if len(subjects) > MAX_SUBJECTS or any(len(subject) > MAX_NAME for subject in subjects):
            bad("subjects", f"学科最多 {MAX_SUBJECTS} 个 (at most {MAX_SUBJECTS} subjects, {MAX_NAME} characters each)")
        staff_no = value["staff_no"]
        if staff_no and not STAFF_NO_PATTERN.match(staff_no):
            bad("staff_no", "工号只能包含字母、数字、-、_ (letters, digits, - and _ only)")
        elif staff_no in first_row_of:
            bad("staff_no", f"工号重复，与第 {first_row_of[staff_no]} 行相同 (duplicate staff number)")
        elif staff_no in usernames_of_others:
            bad("staff_no", "工号与已有的教研员或管理员账号重名 (clashes with a staff login)")
        elif staff_no:
            first_row_of[staff_no] = number
        school_name = value["school"]
        if school_name and school_name not in schools:
            bad("school", f"未知学校「{school_name}」(unknown school)")
        elif school_name and schools[school_name] is None:
            bad("school", f"学校名称「{school_name}」不唯一 (ambiguous school name)")
        grade_band = GRADE_BAND_ALIASES.get(value["grade_band"])
        if value["grade_band"] and grade_band is None:
            bad("grade_band", f"学段应为 {'、'.join(g.value for g in GradeBand)} (unknown grade band)")
        if value["phone"] and not re.match(MOBILE_PATTERN, value["phone"]):
            bad("phone", f"手机号「{value['phone']}」格式不正确 (bad mobile number)")
        email = value.get("email") or None
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                bad("email", f"邮箱「{email}」格式不正确 (bad e-mail)")

        locality = None
        if value.get("locality"):
            try:
                locality = Locality(value["locality"])
            except ValueError:
                bad("locality", f"城乡应为 {'、'.join(place.value for place in Locality)} (unknown locality)")
            said = locality_of.setdefault(school_name, (locality, number)) if locality else None
            if said and said[0] != locality:
                bad("locality", f"与第 {said[1]} 行所填「{said[0].value}」不一致 (differs for the same school)")

        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(
            RosterRow(
                row=number,
                staff_no=staff_no,
                name=value["name"],
                school_id=schools[school_name],
                subjects=subjects,
                grade_band=grade_band,
                phone=value["phone"],
                email=email,
                locality=locality,
            )
        )
    if errors:
        raise RosterRejected(errors)
    return rows


async def import_roster(session: AsyncSession, *, content: bytes, filename: str) -> ImportResult:
    """Upsert teachers by staff number; new teachers get a login (activated with a code from the
    school's 开通单). A teacher staff deactivated is left as she is, and reported: a roster never
    reactivates anyone. Raises RosterRejected."""
    rows = await validate_rows(session, table=await asyncio.to_thread(read_table, content, filename))
    existing = {
        t.staff_no: t
        for t in await session.scalars(select(Teacher).where(Teacher.staff_no.in_([r.staff_no for r in rows])))
    }
    new_rows = [row for row in rows if row.staff_no not in existing]
    result = ImportResult(created=len(new_rows), updated=0, unchanged=0, logins_created=len(new_rows), deactivated=[])
    without_login = []
    for row in rows:
        teacher = existing.get(row.staff_no)
        if teacher is None:
            continue
        if not teacher.active:
            result.deactivated.append(teacher.staff_no)
            continue
        changed = {k: v for k, v in {**_columns(row), "subjects": row.subjects}.items() if getattr(teacher, k) != v}
        from_school_id = teacher.school_id
        for key, value in changed.items():
            setattr(teacher, key, value)
        await moved_school(session, teacher=teacher, from_school_id=from_school_id)
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
        if teacher.user is None:
            without_login.append(teacher)
    for teacher in without_login:
        result.logins_created += await ensure_teacher_login(session, teacher=teacher)
    await _add_teachers_with_logins(session, new_rows)
    for school_id, locality in {row.school_id: row.locality for row in rows if row.locality}.items():
        await session.execute(update(School).where(School.id == school_id).values(locality=locality))
    return result


def _columns(row: RosterRow) -> dict:
    """The teacher's columns the roster sets (her subjects are rows of their own)."""
    return {"name": row.name, "school_id": row.school_id, "grade_band": row.grade_band, "phone": row.phone,
            "email": row.email}


async def _add_teachers_with_logins(session: AsyncSession, rows: list[RosterRow]) -> None:
    """New teachers, each with the login ensure_teacher_login would give her, a chunk of rows per
    statement: a county's roster one ORM object and flush at a time kept the request ~10 s."""
    taken = await session.scalar(select(User.username).where(User.username.in_([r.staff_no for r in rows])).limit(1))
    if taken is not None:
        raise InvalidField("staff_no", f"用户名 {taken} 已被占用 (username taken)")
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        staff_nos = [row.staff_no for row in chunk]
        # Core inserts, one executemany each (the ORM's bulk insert fetches each new key: a statement per
        # row); the ids are read back by their unique keys.
        await session.execute(insert(User.__table__), [
            teacher_login(staff_no=row.staff_no, name=row.name, phone=row.phone, email=row.email) for row in chunk])
        user_ids = dict((await session.execute(select(User.username, User.id)
                                               .where(User.username.in_(staff_nos)))).all())
        await session.execute(insert(Teacher.__table__), [
            {"staff_no": row.staff_no, "user_id": user_ids[row.staff_no], **_columns(row)} for row in chunk])
        teacher_ids = dict((await session.execute(select(Teacher.staff_no, Teacher.id)
                                                  .where(Teacher.staff_no.in_(staff_nos)))).all())
        subjects = [{"teacher_id": teacher_ids[row.staff_no], "subject": subject, "position": position}
                    for row in chunk for position, subject in enumerate(dict.fromkeys(row.subjects))]
        if subjects:
            await session.execute(insert(TeacherSubject.__table__), subjects)
