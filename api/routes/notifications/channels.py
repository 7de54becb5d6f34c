"""Group robots (WeCom, DingTalk, Feishu) and signed webhooks per school or cluster. Secrets are
stored to sign requests and never returned; URLs are shown masked (contracts/links.py, mask_url)."""

from fastapi import APIRouter, Depends, Response, status

from actions.notifications import actions as notice_actions
from api.deps import ContextDep, PageDep
from contracts.limits import Id
from contracts.notifications.api import RobotIn, RobotOut, RobotPage
from contracts.notifications.history import ChannelName


async def _keepers_only(ctx: ContextDep) -> None:
    # Dependencies run before FastAPI validates the body: a refused caller hears 403, not what
    # was wrong with what they sent.
    notice_actions.require_channel_keeper(ctx)


router = APIRouter(prefix="/channels", tags=["notifications"], dependencies=[Depends(_keepers_only)])


@router.post("", response_model=RobotOut, status_code=status.HTTP_201_CREATED, summary="添加通知渠道")
async def create_channel(data: RobotIn, ctx: ContextDep):
    """Staff, admin: configure a robot or webhook for one school or one cluster. WeCom, DingTalk
    and Feishu robots post over https to their platform's own host; webhooks to public addresses
    only, checked again as the worker connects (CHANNEL_PRIVATE_HOSTS lists the exceptions).
    Otherwise 422 naming `url`."""
    return await notice_actions.add_channel(ctx, data=data)


@router.get("", response_model=RobotPage)
async def list_channels(ctx: ContextDep, paging: PageDep, school_id: Id | None = None,
                        cluster_id: Id | None = None, kind: ChannelName | None = None):
    """Staff, admin: configured robots (without their secrets)."""
    return await notice_actions.list_channels(ctx, school_id=school_id, cluster_id=cluster_id, kind=kind,
                                              offset=paging.offset, limit=paging.limit)


@router.delete("/{robot_id}", status_code=status.HTTP_204_NO_CONTENT, summary="删除通知渠道")
async def delete_channel(robot_id: Id, ctx: ContextDep):
    """Staff, admin: remove a robot; its open deliveries are recorded as failed when due."""
    await notice_actions.remove_channel(ctx, robot_id=robot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
