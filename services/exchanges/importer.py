"""Excel import of exchange agreements (交流轮岗安排表), all or nothing, read as every import reads its
sheet (services/directory/sheets.py: XLSX / CSV, one refusal with every bad row).

A row is the same exchange again when it names the same teacher, host school and planned start:
importing a file twice changes nothing, and a corrected file updates the agreement's terms. The
actual dates are not imported: they are recorded as they happen (POST /exchanges/{id}/actual-dates)."""

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.exchanges.api import ExchangeImportResult, ExchangeIn
from contracts.exchanges.history import ExchangeKind
from models import Exchange, Teacher, User
from services.directory.roster import school_ids_by_name
from services.directory.sheets import Sheet, day, read_sheet
from services.exchanges.service import create_exchange, import_key

HEADERS: dict[str, tuple[str, ...]] = {
    "staff_no": ("工号", "staff_no"),
    "host_school": ("交流学校", "host_school", "host school"),
    "kind": ("交流类型", "类型", "kind"),
    "planned_start": ("计划开始", "开始日期", "planned_start"),
    "planned_end": ("计划结束", "结束日期", "planned_end"),
    "weekday": ("每周驻校日", "weekday"),
    "duties": ("工作职责", "duties"),
    "selection_criteria": ("选拔标准", "selection_criteria"),
    "assessment_mechanism": ("考核评价机制", "assessment_mechanism"),
}
REQUIRED = ("staff_no", "host_school", "kind", "planned_start", "planned_end")
# What a corrected file may change of an exchange already there; its dates move by postponement only.
TERMS = ("kind", "weekday", "duties", "selection_criteria", "assessment_mechanism")
KIND_ALIASES = {kind.value: kind for kind in ExchangeKind} | {"长期": ExchangeKind.long, "短期": ExchangeKind.short}
WEEKDAYS = {name: n for n, name in enumerate("一二三四五六日", start=1)} | {"天": 7}


@dataclass(frozen=True)
class _Row:
    number: int
    data: ExchangeIn
    key: str


def _weekday(text: str) -> int | None:
    text = text.strip().removeprefix("周").removeprefix("星期")
    return int(text) if text.isdigit() else WEEKDAYS.get(text)


async def _checked_rows(session: AsyncSession, table: list[list[str]]) -> list[_Row]:
    sheet = Sheet(table, HEADERS, REQUIRED)
    teachers = {t.staff_no: t for t in await session.scalars(select(Teacher))}
    schools = await school_ids_by_name(session)
    first_row_of: dict[str, int] = {}
    rows = []
    for row in sheet.rows():
        value, bad = row.value, row.bad
        teacher = teachers.get(value["staff_no"])
        if value["staff_no"] and teacher is None:
            bad("staff_no", f"未知工号「{value['staff_no']}」(unknown staff number)")
        host_id = schools.get(value["host_school"])
        if value["host_school"] and host_id is None:
            reason = "不唯一 (ambiguous)" if value["host_school"] in schools else "未知学校 (unknown school)"
            bad("host_school", f"「{value['host_school']}」{reason}")
        kind = KIND_ALIASES.get(value["kind"])
        if value["kind"] and kind is None:
            bad("kind", f"交流类型应为 {'、'.join(k.value for k in ExchangeKind)} (unknown kind)")
        start, end = day(value["planned_start"]), day(value["planned_end"])
        for field, on in (("planned_start", start), ("planned_end", end)):
            if value[field] and on is None:
                bad(field, f"日期「{value[field]}」应写作 2027-03-01 (bad date)")
        weekday = _weekday(value["weekday"]) if value["weekday"] else None
        if value["weekday"] and weekday not in range(1, 8):
            bad("weekday", "每周驻校日应为 周一…周日 或 1…7 (bad weekday)")
        if row.errors:
            continue
        try:
            data = ExchangeIn(teacher_id=teacher.id, host_school_id=host_id, kind=kind, planned_start=start,
                              planned_end=end, weekday=weekday, duties=value["duties"],
                              selection_criteria=value["selection_criteria"],
                              assessment_mechanism=value["assessment_mechanism"])
        except ValidationError as invalid:
            for error in invalid.errors():
                # The agreement's own rules name no field: the weekday one says "weekday", the other the end.
                field = str(error["loc"][0]) if error["loc"] else "weekday" if "weekday" in error["msg"] else ""
                bad(field if field in HEADERS else "planned_end", error["msg"].removeprefix("Value error, "))
            continue
        if host_id == teacher.school_id:
            bad("host_school", "交流学校不能是教师本校 (the host must be another school)")
        elif not teacher.active:
            bad("staff_no", "该教师已停用 (deactivated teacher)")
        key = import_key(staff_no=teacher.staff_no, host_school_id=host_id, planned_start=start)
        if key in first_row_of:
            bad("staff_no", f"与第 {first_row_of[key]} 行重复 (duplicate of another row)")
        first_row_of.setdefault(key, row.number)
        if not row.errors:
            rows.append(_Row(number=row.number, data=data, key=key))
    sheet.refuse_if_bad()
    return rows


async def import_exchanges(session: AsyncSession, *, content: bytes, filename: str,
                           actor: User) -> tuple[ExchangeImportResult, list[Exchange]]:
    """Create the new exchanges, update the terms of those already there; the new ones (their runs
    are to start once committed). Raises RosterRejected, having written nothing."""
    rows = await _checked_rows(session, await read_sheet(content, filename))
    existing = {e.import_key: e for e in await session.scalars(
        select(Exchange).where(Exchange.import_key.in_([row.key for row in rows])))}
    result, created = ExchangeImportResult(created=0, updated=0, unchanged=0), []
    for row in rows:
        exchange = existing.get(row.key)
        if exchange is None:
            created.append(await create_exchange(session, data=row.data, actor=actor))
            continue
        changed = {t: getattr(row.data, t) for t in TERMS if getattr(exchange, t) != getattr(row.data, t)}
        for term, value in changed.items():
            setattr(exchange, term, value)
        result.updated += bool(changed)
        result.unchanged += not changed
    result.created = len(created)
    await session.flush()
    return result, created
