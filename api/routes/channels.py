"""Group robots (WeCom, DingTalk, Feishu) and signed webhooks per school or cluster. Secrets are
stored to sign requests and never returned; tokens in robot URLs are masked."""

from fastapi import APIRouter, Response, status

from api.deps import PageDep, SessionDep, StaffUser
from contracts.notification_api import RobotIn, RobotOut, RobotPage
from contracts.notifications import ChannelName
from notifications import robot_config
from services import directory

router = APIRouter(prefix="/channels", tags=["notifications"])


@router.post("", response_model=RobotOut, status_code=status.HTTP_201_CREATED)
async def create_channel(data: RobotIn, session: SessionDep, user: StaffUser):
    """Staff, admin: configure a robot or webhook for one school or one cluster."""
    robot = await robot_config.create(session, data=data, created_by=user.id)
    await session.commit()
    return robot


@router.get("", response_model=RobotPage)
async def list_channels(session: SessionDep, _: StaffUser, paging: PageDep, school_id: int | None = None,
                        cluster_id: int | None = None, kind: ChannelName | None = None):
    """Staff, admin: configured robots (without their secrets)."""
    stmt = robot_config.list_query(school_id=school_id, cluster_id=cluster_id, kind=kind)
    items, total = await directory.page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return RobotPage(items=items, total=total, offset=paging.offset, limit=paging.limit)


@router.delete("/{robot_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(robot_id: int, session: SessionDep, _: StaffUser):
    """Staff, admin: remove a robot; its open deliveries are recorded as failed when due."""
    await robot_config.delete(session, robot_id=robot_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
