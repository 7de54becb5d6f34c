"""Excel import of exchange agreements (交流轮岗安排表), all or nothing, as the roster import does it
(services/directory/roster.py: the same reading of XLSX / CSV, the same refusal with every bad row).

A row is the same exchange again when it names the same teacher, host school and planned start:
importing a file twice changes nothing, and a corrected file updates the agreement's terms. The
actual dates are not imported: they are recorded as they happen (POST /exchanges/{id}/actual-dates)."""

import asyncio
import re
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import ImportRowError
from contracts.exchanges.api import ExchangeImportResult, ExchangeIn
from contracts.exchanges.history import ExchangeKind
from models import Exchange, School, Teacher, User
from services.directory.roster import RosterRejected, read_table
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
DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


@dataclass(frozen=True)
class _Row:
    number: int
    data: ExchangeIn
    key: str


def _day(text: str) -> date | None:
    match = DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _weekday(text: str) -> int | None:
    text = text.strip().removeprefix("周").removeprefix("星期")
    return int(text) if text.isdigit() else WEEKDAYS.get(text)


def _positions(header: list[str]) -> tuple[dict[str, int], list[ImportRowError]]:
    lookup = {alias.lower(): field for field, aliases in HEADERS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        field = lookup.get(title.strip().lower())
        if field and field not in positions:
            positions[field] = index
    return positions, [ImportRowError(row=1, column=HEADERS[f][0], reason="缺少这一列 (column missing)")
                       for f in REQUIRED if f not in positions]


async def _checked_rows(session: AsyncSession, table: list[list[str]]) -> list[_Row]:
    if not table:
        raise RosterRejected([ImportRowError(row=1, column="", reason="文件为空 (empty file)")])
    positions, errors = _positions(table[0])
    if errors:
        raise RosterRejected(errors)
    teachers = {t.staff_no: t for t in await session.scalars(select(Teacher))}
    schools: dict[str, int | None] = {}
    for school_id, name in await session.execute(select(School.id, School.name)):
        schools[name] = None if name in schools else school_id
    first_row_of: dict[str, int] = {}
    rows = []
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
        start, end = _day(value["planned_start"]), _day(value["planned_end"])
        for field, day in (("planned_start", start), ("planned_end", end)):
            if value[field] and day is None:
                bad(field, f"日期「{value[field]}」应写作 2027-03-01 (bad date)")
        weekday = _weekday(value.get("weekday", "")) if value.get("weekday") else None
        if value.get("weekday") and weekday not in range(1, 8):
            bad("weekday", "每周驻校日应为 周一…周日 或 1…7 (bad weekday)")
        if row_errors:
            errors.extend(row_errors)
            continue
        try:
            data = ExchangeIn(teacher_id=teacher.id, host_school_id=host_id, kind=kind, planned_start=start,
                              planned_end=end, weekday=weekday, duties=value.get("duties", ""),
                              selection_criteria=value.get("selection_criteria", ""),
                              assessment_mechanism=value.get("assessment_mechanism", ""))
        except ValidationError as invalid:
            for error in invalid.errors():
                # The agreement's own rules name no field: the weekday one says "weekday", the other the end.
                field = str(error["loc"][0]) if error["loc"] else "weekday" if "weekday" in error["msg"] else ""
                bad(field if field in HEADERS else "planned_end", error["msg"].removeprefix("Value error, "))
            errors.extend(row_errors)
            continue
        if host_id == teacher.school_id:
            bad("host_school", "交流学校不能是教师本校 (the host must be another school)")
        elif not teacher.active:
            bad("staff_no", "该教师已停用 (deactivated teacher)")
        key = import_key(staff_no=teacher.staff_no, host_school_id=host_id, planned_start=start)
        if key in first_row_of:
            bad("staff_no", f"与第 {first_row_of[key]} 行重复 (duplicate of another row)")
        first_row_of.setdefault(key, number)
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(_Row(number=number, data=data, key=key))
    if errors:
        raise RosterRejected(errors)
    return rows


async def import_exchanges(session: AsyncSession, *, content: bytes, filename: str,
                           actor: User) -> tuple[ExchangeImportResult, list[Exchange]]:
    """Create the new exchanges, update the terms of those already there; the new ones (their runs
    are to start once committed). Raises RosterRejected, having written nothing."""
    rows = await _checked_rows(session, await asyncio.to_thread(read_table, content, filename))
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
