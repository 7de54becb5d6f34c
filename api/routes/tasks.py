"""A teacher's own campaign work: her open tasks, deliveries, training check-ins."""

from fastapi import APIRouter, HTTPException, status

from api.clock import NowDep
from api.deps import SessionDep, TeacherUser
from contracts.campaigns import CheckInOut, DeliveryIn, TaskOut
from models import Task, Training
from services import campaigns

router = APIRouter(tags=["tasks"])


@router.get("/me/tasks", response_model=list[TaskOut])
async def my_tasks(session: SessionDep, user: TeacherUser):
    """Teachers: open tasks of every campaign, soonest due first."""
    return [TaskOut.model_validate(t) for t in await campaigns.open_tasks(session, user_id=user.id)]


@router.post("/tasks/{task_id}/deliver", response_model=TaskOut)
async def deliver(task_id: int, data: DeliveryIn, session: SessionDep, user: TeacherUser, now: NowDep):
    """The assignee: deliver a research lesson, lesson record or discussion notes (summary, links)."""
    task = await session.get(Task, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"任务 {task_id} 不存在 (not found)")
    if task.assignee_user_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "只能提交分配给自己的任务 (not your task)")
    await campaigns.deliver(session, task=task, data=data, now=now)
    await session.commit()
    return TaskOut.model_validate(task)


@router.post("/trainings/{training_id}/checkin", response_model=CheckInOut, status_code=status.HTTP_201_CREATED)
async def check_in(training_id: int, session: SessionDep, user: TeacherUser, now: NowDep):
    """Teachers in the campaign's scope, in the window around the session."""
    training = await session.get(Training, training_id)
    if training is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"培训 {training_id} 不存在 (not found)")
    await campaigns.require_member(session, campaign_id=training.campaign_id, user=user)
    campaign = await campaigns.get_campaign(session, training.campaign_id)
    checkin = await campaigns.check_in(session, training=training, user_id=user.id,
                                       params=campaigns.campaign_params(campaign), now=now)
    await session.commit()
    return CheckInOut.model_validate(checkin)
