"""Mentor pairs from the sheet an alliance keeps (师徒结对名单), as the roster import reads its
files: XLSX or CSV, every row checked before anything is written, all or nothing (RosterRejected:
422 with every bad row). A pair is found by its mentee: importing the same sheet again changes
nothing; a changed subject or goals updates the pair. A changed mentor or span is refused on its
row: those are staff decisions the pair's run must hear of (replace the mentor, extend)."""

import asyncio
import re
from dataclasses import dataclass
from datetime import date

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import ImportRowError
from contracts.errors import DomainError
from contracts.mentoring.api import Goals, PairIn, PairsImportResult, Subject
from models import MentoringPair, MentoringProgramme, School, Teacher, User
from services.directory.roster import RosterRejected, read_table
from services.mentoring.service import create_pair, pair_span

HEADERS: dict[str, tuple[str, ...]] = {
    "mentor": ("师傅工号", "mentor", "mentor staff_no"),
    "mentee": ("徒弟工号", "mentee", "mentee staff_no"),
    "subject": ("学科", "subject"),
    "starts_on": ("开始日期", "starts_on", "start"),
    "ends_on": ("结束日期", "ends_on", "end"),
    "goals": ("培养任务和目标", "培养目标", "goals"),
}
REQUIRED = ("mentor", "mentee", "subject")
DATE_PARTS = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
SUBJECT, GOALS = TypeAdapter(Subject), TypeAdapter(Goals)


@dataclass
class PairRow:
    row: int
    data: PairIn


def _date(text: str) -> date | None:
    """2026-09-01, 2026/9/1, 2026年9月1日, or Excel's datetime shown as text."""
    match = DATE_PARTS.match(text)
    if not match:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


def _reason(exc: ValidationError | DomainError) -> str:
    if isinstance(exc, DomainError):
        return exc.detail
    return "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())


def _positions(header: list[str]) -> tuple[dict[str, int], list[ImportRowError]]:
    lookup = {alias.lower(): field for field, aliases in HEADERS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        field = lookup.get(title.strip().lower())
        if field and field not in positions:
            positions[field] = index
    return positions, [ImportRowError(row=1, column=HEADERS[f][0], reason="缺少这一列 (column missing)")
                       for f in REQUIRED if f not in positions]


async def _checked_rows(session: AsyncSession, *, programme: MentoringProgramme,
                        table: list[list[str]]) -> list[PairRow]:
    if not table:
        raise RosterRejected([ImportRowError(row=1, column="", reason="文件为空 (empty file)")])
    positions, errors = _positions(table[0])
    if errors:
        raise RosterRejected(errors)
    teachers = dict((await session.execute(
        select(Teacher.staff_no, Teacher.id).join(School, School.id == Teacher.school_id)
        .where(School.cluster_id == programme.cluster_id, Teacher.active))).all())
    rows, first_row_of = [], {}
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
        for field in ("mentor", "mentee"):
            if value[field] and value[field] not in teachers:
                bad(field, f"工号「{value[field]}」不是本教联体的在职教师 (not a teacher of the alliance)")
        if value["mentee"] in first_row_of:
            bad("mentee", f"徒弟重复，与第 {first_row_of[value['mentee']]} 行相同 (mentee twice)")
        elif value["mentee"]:
            first_row_of[value["mentee"]] = number
        dates = {}
        for field in ("starts_on", "ends_on"):
            try:
                dates[field] = _date(value[field]) if value.get(field) else None
            except ValueError:
                bad(field, f"日期「{value[field]}」格式不正确，应为 2026-09-01 (bad date)")
        for field, adapter in (("subject", SUBJECT), ("goals", GOALS)):
            try:
                adapter.validate_python(value.get(field, ""))
            except ValidationError:
                if value.get(field):
                    bad(field, "内容过长 (too long)")
        if row_errors:
            errors.extend(row_errors)
            continue
        try:
            data = PairIn(mentor_teacher_id=teachers[value["mentor"]], mentee_teacher_id=teachers[value["mentee"]],
                          subject=value["subject"], goals=value.get("goals", ""), **dates)
            pair_span(programme, data)
        except (ValidationError, DomainError) as exc:
            errors.append(ImportRowError(row=number, column="", reason=_reason(exc)))
            continue
        rows.append(PairRow(row=number, data=data))
    if errors:
        raise RosterRejected(errors)
    return rows


async def import_pairs(session: AsyncSession, *, programme: MentoringProgramme, content: bytes, filename: str,
                       actor: User) -> tuple[PairsImportResult, list[MentoringPair]]:
    """The result, and the pairs it created (their runs are to be started once committed)."""
    rows = await _checked_rows(session, programme=programme, table=await asyncio.to_thread(read_table, content, filename))
    existing = {pair.mentee_teacher_id: pair for pair in await session.scalars(
        select(MentoringPair).where(MentoringPair.programme_id == programme.id))}
    result, created, conflicts = PairsImportResult(created=0, updated=0, unchanged=0), [], []
    for row in rows:
        pair = existing.get(row.data.mentee_teacher_id)
        if pair is None:
            continue
        starts_on, ends_on = pair_span(programme, row.data)
        if (pair.mentor_teacher_id, pair.starts_on, pair.ends_on) != (row.data.mentor_teacher_id, starts_on, ends_on):
            conflicts.append(ImportRowError(row=row.row, column="", reason=(
                "与已有结对的师傅或起止日期不同：请在结对页更换师傅或延期 (use replace-mentor or extend)")))
    if conflicts:
        raise RosterRejected(conflicts)
    for row in rows:
        pair = existing.get(row.data.mentee_teacher_id)
        if pair is None:
            created.append(await create_pair(session, programme=programme, data=row.data, actor=actor))
        elif (pair.subject, pair.goals) != (row.data.subject, row.data.goals):
            pair.subject, pair.goals = row.data.subject, row.data.goals
            result.updated += 1
        else:
            result.unchanged += 1
    result.created = len(created)
    await session.flush()
    return result, created
