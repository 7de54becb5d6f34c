"""A year of touring lessons in the demo county (示例区), loaded with it: backbone teachers of the town
schools tour the rural schools of 农村小学东片 (「办学条件一般的学校」, 001_… §一) once a month, one
alone and one with her 名师工作室. Their runs are started by the worker's reconciler."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.tours.api import StopIn, TourIn
from models import School, User
from services.tours.service import create_studio, create_tour

RURAL_SCHOOLS = ["东湖镇中心小学", "桃园小学", "石桥小学", "清河小学"]
MONTHS = 10  # a school year
TZ = ZoneInfo("Asia/Shanghai")


async def load_demo_tours(session: AsyncSession, *, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    users = dict((await session.execute(select(User.username, User.id))).all())
    hosts = [await session.scalar(select(School.id).where(School.name == name)) for name in RURAL_SCHOOLS]
    studio = await create_studio(session, name="语文名师工作室（实验小学）",
                                 member_user_ids=[users["t0004"], users["t0005"]], now=now)
    staff = await session.get(User, users["staff01"])
    first = (now.astimezone(TZ) + timedelta(days=21)).date()
    for title, subject, presenter, studio_id, offset, topic in [
        ("小学数学送教下乡", "数学", users["t0003"], None, 0, "分数的初步认识"),
        ("名师工作室送教：习作教学", "语文", None, studio.id, 14, "把一件事写清楚"),
    ]:
        stops = []
        for month in range(MONTHS):
            day = first + timedelta(days=offset + 28 * month)
            starts = datetime.combine(day, time(9, 0), tzinfo=TZ)
            stops.append(StopIn(host_school_id=hosts[month % len(hosts)], starts_at=starts,
                                ends_at=starts + timedelta(hours=2), topic=topic))
        await create_tour(session, data=TourIn(title=title, subject=subject, presenter_user_id=presenter,
                                               studio_id=studio_id, stops=stops),
                          actor=staff, now=now, tz=TZ)
