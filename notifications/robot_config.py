"""Robots and webhooks configured per school or per cluster."""

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, InvalidField, NotFound
from contracts.notifications.api import RobotIn
from contracts.notifications.history import ChannelName
from models import Cluster, RobotChannel, School
from notifications.channels import targets

# Signing is optional for WeCom (it has none) and DingTalk (keyword mode); a webhook must be signed.
NEEDS_SECRET = {ChannelName.webhook}


async def create(session: AsyncSession, *, data: RobotIn, created_by: int, private_hosts: frozenset[str]) -> RobotChannel:
    """`private_hosts`: CHANNEL_PRIVATE_HOSTS, the hosts that may be private addresses."""
    if data.kind == ChannelName.email:
        raise InvalidField("kind", "邮件不是机器人渠道 (e-mail is not a robot channel)")
    if (refused := targets.configuration_error(data.kind, str(data.url), private_hosts)) is not None:
        raise InvalidField("url", refused)
    if (data.school_id is None) == (data.cluster_id is None):
        raise InvalidField("school_id", "须且只能指定学校或片区之一 (give exactly one of school_id, cluster_id)")
    if data.kind in NEEDS_SECRET and not data.secret:
        raise InvalidField("secret", "Webhook 必须设置签名密钥 (a webhook needs a secret)")
    if data.school_id is not None and await session.get(School, data.school_id) is None:
        raise InvalidField("school_id", f"学校 {data.school_id} 不存在 (does not exist)")
    if data.cluster_id is not None and await session.get(Cluster, data.cluster_id) is None:
        raise InvalidField("cluster_id", f"片区 {data.cluster_id} 不存在 (does not exist)")
    scope = (RobotChannel.school_id == data.school_id) if data.school_id is not None else (
        RobotChannel.cluster_id == data.cluster_id
    )
    same_scope = select(RobotChannel.id).where(RobotChannel.kind == data.kind, scope)
    if (existing := await session.scalar(same_scope)) is not None:
        raise Conflict("该学校或片区已配置同类机器人 (this school or cluster already has a robot of this kind)",
                       robot_id=existing)
    robot = RobotChannel(**data.model_dump(mode="json"), created_by=created_by)
    session.add(robot)
    await session.flush()
    return robot


def list_query(*, school_id: int | None, cluster_id: int | None, kind: ChannelName | None) -> Select:
    stmt = select(RobotChannel).order_by(RobotChannel.id)
    for column, value in [(RobotChannel.school_id, school_id), (RobotChannel.cluster_id, cluster_id),
                          (RobotChannel.kind, kind)]:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


async def delete(session: AsyncSession, *, robot_id: int) -> None:
    robot = await session.get(RobotChannel, robot_id)
    if robot is None:
        raise NotFound("机器人 (robot)", robot_id)
    await session.delete(robot)
    await session.flush()
