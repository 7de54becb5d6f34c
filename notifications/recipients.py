"""Where a user can be reached: e-mail, mobile (robots @-mention by it), and the robots of her
school or, failing that, her cluster (one robot per platform per user)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications.history import ChannelName
from models import RobotChannel, School, Teacher, User
from notifications.channels.base import Recipient, Robot

CHUNK = 900  # ids per IN (...) list


@dataclass(frozen=True)
class Reach:
    recipient: Recipient
    school_id: int | None
    cluster_id: int | None


async def reach_of(session: AsyncSession, *, user_ids: list[int]) -> dict[int, Reach]:
    found: dict[int, Reach] = {}
    for start in range(0, len(user_ids), CHUNK):
        rows = await session.execute(
            select(User.id, User.display_name, User.email, User.phone, Teacher.phone, Teacher.email,
                   Teacher.school_id, School.cluster_id)
            .outerjoin(Teacher, Teacher.user_id == User.id)
            .outerjoin(School, School.id == Teacher.school_id)
            .where(User.id.in_(user_ids[start : start + CHUNK]), User.active.is_(True))
        )
        for user_id, name, email, phone, teacher_phone, teacher_email, school_id, cluster_id in rows:
            recipient = Recipient(user_id=user_id, name=name, email=email or teacher_email,
                                  mobile=phone or teacher_phone)
            found[user_id] = Reach(recipient=recipient, school_id=school_id, cluster_id=cluster_id)
    return found


class RobotDirectory:
    """The enabled robots, found per (platform, school) first, then per (platform, cluster)."""

    def __init__(self, robots: list[RobotChannel]) -> None:
        self.by_id = {r.id: Robot(id=r.id, kind=r.kind, url=r.url, secret=r.secret) for r in robots}
        self._by_school = {(r.kind, r.school_id): r.id for r in robots if r.school_id is not None}
        self._by_cluster = {(r.kind, r.cluster_id): r.id for r in robots if r.cluster_id is not None}

    def robot_for(self, reach: Reach, platform: ChannelName) -> int | None:
        return self._by_school.get((platform, reach.school_id)) or self._by_cluster.get((platform, reach.cluster_id))


async def robot_directory(session: AsyncSession) -> RobotDirectory:
    return RobotDirectory(list(await session.scalars(select(RobotChannel).where(RobotChannel.enabled.is_(True)))))
