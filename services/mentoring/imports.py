"""Mentor pairs from the sheet an alliance keeps (师徒结对名单), read as every import reads its sheet
(services/directory/sheets.py): XLSX or CSV, every row checked before anything is written, all or
nothing (RosterRejected: 422 with every bad row). A pair is found by its mentee: importing the
same sheet again changes nothing; a changed subject or goals updates the pair. A changed mentor or
span is refused on its row: those are staff decisions the pair's run must hear of (replace the
mentor, extend)."""

from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import ImportRowError
from contracts.errors import DomainError
from contracts.mentoring.api import Goals, PairIn, PairsImportResult, Subject
from models import MentoringPair, MentoringProgramme, School, Teacher, User
from services.directory.sheets import RosterRejected, Sheet, day, read_sheet
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
SUBJECT, GOALS = TypeAdapter(Subject), TypeAdapter(Goals)


@dataclass
class PairRow:
    row: int
    data: PairIn


def _reason(exc: ValidationError | DomainError) -> str:
    if isinstance(exc, DomainError):
        return exc.detail
    return "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())


async def _checked_rows(session: AsyncSession, *, programme: MentoringProgramme,
                        table: list[list[str]]) -> list[PairRow]:
    sheet = Sheet(table, HEADERS, REQUIRED)
    teachers = dict((await session.execute(
        select(Teacher.staff_no, Teacher.id).join(School, School.id == Teacher.school_id)
        .where(School.cluster_id == programme.cluster_id, Teacher.active))).all())
    rows, first_row_of = [], {}
    for row in sheet.rows():
        value, bad = row.value, row.bad
        for field in ("mentor", "mentee"):
            if value[field] and value[field] not in teachers:
                bad(field, f"工号「{value[field]}」不是本教联体的在职教师 (not a teacher of the alliance)")
        if value["mentee"] in first_row_of:
            bad("mentee", f"徒弟重复，与第 {first_row_of[value['mentee']]} 行相同 (mentee twice)")
        elif value["mentee"]:
            first_row_of[value["mentee"]] = row.number
        dates = {field: day(value[field]) for field in ("starts_on", "ends_on")}
        for field, on in dates.items():
            if value[field] and on is None:
                bad(field, f"日期「{value[field]}」格式不正确，应为 2026-09-01 (bad date)")
        for field, adapter in (("subject", SUBJECT), ("goals", GOALS)):
            try:
                adapter.validate_python(value[field])
            except ValidationError:
                if value[field]:
                    bad(field, "内容过长 (too long)")
        if row.errors:
            continue
        try:
            data = PairIn(mentor_teacher_id=teachers[value["mentor"]], mentee_teacher_id=teachers[value["mentee"]],
                          subject=value["subject"], goals=value["goals"], **dates)
            pair_span(programme, data)
        except (ValidationError, DomainError) as exc:
            bad("", _reason(exc))
            continue
        rows.append(PairRow(row=row.number, data=data))
    sheet.refuse_if_bad()
    return rows


async def import_pairs(session: AsyncSession, *, programme: MentoringProgramme, content: bytes, filename: str,
                       actor: User) -> tuple[PairsImportResult, list[MentoringPair]]:
    """The result, and the pairs it created (their runs are to be started once committed)."""
    rows = await _checked_rows(session, programme=programme, table=await read_sheet(content, filename))
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
