"""Tours from an Excel (or CSV) sheet, as a research office plans a year: one row per stop, the rows
of one tour sharing its title and presenter. All or nothing: every row is checked first, and one bad
row refuses the file with every bad row listed (422). Importing the same sheet again changes
nothing: a tour already imported under the same title and presenter is left as it is."""

from collections import defaultdict
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.directory.api import ImportRowError
from contracts.tours.api import StopIn, TourImportResult, TourIn
from models import School, Studio, Tour, User
from services.directory.sheets import Sheet, read_sheet
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


async def import_tours(session: AsyncSession, *, content: bytes, filename: str, actor: User, now: datetime,
                       settings: Settings) -> tuple[TourImportResult, list[Tour]]:
    sheet = Sheet(await read_sheet(content, filename), HEADERS, REQUIRED)
    if not {"presenter", "studio"} & sheet.positions.keys():
        sheet.errors.append(ImportRowError(row=1, column=HEADERS["presenter"][0],
                                           reason="需要「主讲教师」或「名师工作室」列 (presenter or studio)"))
    schools = dict((await session.execute(select(School.name, School.id))).all())
    users = dict((await session.execute(select(User.username, User.id).where(User.active))).all())
    studios = dict((await session.execute(select(Studio.name, Studio.id))).all())
    tours: dict[str, dict] = defaultdict(lambda: {"stops": []})

    for row in sheet.rows():
        value, bad = row.value, row.bad
        presenter, studio = value["presenter"], value["studio"]
        if bool(presenter) == bool(studio):
            bad("presenter", "填写主讲教师（用户名）或名师工作室，二选一 (presenter or studio, one of them)")
        elif presenter and presenter not in users:
            bad("presenter", f"用户 {presenter} 不存在 (no such user)")
        elif studio and studio not in studios:
            bad("studio", f"工作室 {studio} 不存在 (no such studio)")
        if value["school"] and value["school"] not in schools:
            bad("school", f"学校 {value['school']} 不存在 (no such school)")
        try:
            stop = StopIn(host_school_id=schools.get(value["school"], 1), starts_at=value["starts_at"],
                          ends_at=value["ends_at"], topic=value["topic"])
            if stop.starts_at.replace(tzinfo=stop.starts_at.tzinfo or settings.tz) <= now:
                bad("starts_at", "须在将来 (must be in the future)")
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else ""
                bad(column if column in HEADERS else "starts_at", error["msg"])
        if not row.errors:
            key = f"{value['title']}|{presenter or '工作室:' + studio}"
            tour = tours[key]
            tour.update(title=value["title"], subject=value["subject"], presenter=users.get(presenter),
                        studio=studios.get(studio))
            tour["stops"].append(stop)
    sheet.refuse_if_bad()

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
