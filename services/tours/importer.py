"""Tours from an Excel (or CSV) sheet, as a research office plans a year: one row per stop, the rows
of one tour sharing its title and presenter. All or nothing: every row is checked first, and one bad
row refuses the file with every bad row listed (422). Importing the same sheet again changes
nothing: a tour already imported under the same title and presenter is left as it is."""

import asyncio
from collections import defaultdict
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.directory.api import ImportRowError
from contracts.tours.api import StopIn, TourImportResult, TourIn
from models import School, Studio, Tour, User
from services.directory.roster import RosterRejected, read_table
from services.tours.service import create_tour

# Column → the header spellings offices use.
HEADERS = {
    "title": ("送教活动", "活动名称", "title"),
    "presenter": ("主讲教师", "主讲", "presenter"),
    "studio": ("名师工作室", "工作室", "studio"),
    "school": ("承办学校", "学校", "school"),
    "starts_at": ("开始时间", "starts_at", "start"),
    "ends_at": ("结束时间", "ends_at", "end"),
    "topic": ("课题", "主题", "topic"),
    "subject": ("学科", "subject"),
}
REQUIRED = ("title", "school", "starts_at", "ends_at")


def _columns(header: list[str]) -> tuple[dict[str, int], list[ImportRowError]]:
    names = [cell.strip().lower() for cell in header]
    found = {column: next((names.index(s.lower()) for s in spellings if s.lower() in names), None)
             for column, spellings in HEADERS.items()}
    missing = [HEADERS[column][0] for column in REQUIRED if found[column] is None]
    errors = [ImportRowError(row=1, column=name, reason="缺少此列 (missing column)") for name in missing]
    if found["presenter"] is None and found["studio"] is None:
        errors.append(ImportRowError(row=1, column="主讲教师", reason="需要「主讲教师」或「名师工作室」列 (presenter or studio)"))
    return {column: position for column, position in found.items() if position is not None}, errors


async def import_tours(session: AsyncSession, *, content: bytes, filename: str, actor: User, now: datetime,
                       settings: Settings) -> tuple[TourImportResult, list[Tour]]:
    table = await asyncio.to_thread(read_table, content, filename)
    if not table:
        raise RosterRejected([ImportRowError(row=0, column="", reason="空文件 (empty file)")])
    positions, errors = _columns(table[0])
    if errors:
        raise RosterRejected(errors)
    schools = dict((await session.execute(select(School.name, School.id))).all())
    users = dict((await session.execute(select(User.username, User.id).where(User.active))).all())
    studios = dict((await session.execute(select(Studio.name, Studio.id))).all())
    tours: dict[str, dict] = defaultdict(lambda: {"stops": [], "rows": []})

    for number, cells in enumerate(table[1:], start=2):
        value = {column: (cells[position].strip() if position < len(cells) else "") for column, position in positions.items()}
        if not any(value.values()):
            continue
        row_errors = []
        presenter, studio = value.get("presenter", ""), value.get("studio", "")
        if bool(presenter) == bool(studio):
            row_errors.append(("主讲教师", "填写主讲教师（用户名）或名师工作室，二选一 (presenter or studio, one of them)"))
        elif presenter and presenter not in users:
            row_errors.append(("主讲教师", f"用户 {presenter} 不存在 (no such user)"))
        elif studio and studio not in studios:
            row_errors.append(("名师工作室", f"工作室 {studio} 不存在 (no such studio)"))
        if value["school"] not in schools:
            row_errors.append(("承办学校", f"学校 {value['school']} 不存在 (no such school)"))
        try:
            stop = StopIn(host_school_id=schools.get(value["school"], 1), starts_at=value["starts_at"],
                          ends_at=value["ends_at"], topic=value.get("topic", ""))
            if stop.starts_at.replace(tzinfo=stop.starts_at.tzinfo or settings.tz) <= now:
                row_errors.append(("开始时间", "须在将来 (must be in the future)"))
        except ValidationError as exc:
            row_errors.extend((HEADERS[str(error["loc"][0])][0] if error["loc"] and str(error["loc"][0]) in HEADERS
                               else "开始时间", error["msg"]) for error in exc.errors())
            stop = None
        errors.extend(ImportRowError(row=number, column=column, reason=reason) for column, reason in row_errors)
        if not row_errors:
            key = f"{value['title']}|{presenter or '工作室:' + studio}"
            tour = tours[key]
            tour.update(title=value["title"], subject=value.get("subject", ""), presenter=users.get(presenter),
                        studio=studios.get(studio))
            tour["stops"].append(stop)
    if errors:
        raise RosterRejected(errors)

    existing = set(await session.scalars(select(Tour.import_key).where(Tour.import_key.in_(tours.keys()))))
    created = []
    for key, tour in tours.items():
        if key in existing:
            continue
        data = TourIn(title=tour["title"], subject=tour["subject"], presenter_user_id=tour["presenter"],
                      studio_id=tour["studio"], stops=tour["stops"])
        created.append(await create_tour(session, data=data, actor=actor, now=now, tz=settings.tz, settings=settings,
                                         import_key=key))
    return TourImportResult(created=len(created), unchanged=len(existing),
                            stops=sum(len(tours[tour.import_key]["stops"]) for tour in created)), created
