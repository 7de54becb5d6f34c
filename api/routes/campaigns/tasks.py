"""A teacher's own campaign work: her open tasks, deliveries, training check-ins."""

from fastapi import APIRouter, status

from actions.campaigns import actions as campaigns
from api.deps import ContextDep
from contracts.campaigns.api import DeliveryIn, TaskOut, TrainingCheckinOut
from contracts.limits import Id

router = APIRouter(tags=["tasks"])


@router.get("/me/tasks", response_model=list[TaskOut])
async def my_tasks(ctx: ContextDep):
    """Teachers: open tasks of every campaign, soonest due first."""
    return await campaigns.my_tasks(ctx)


@router.post("/tasks/{task_id}/deliver", response_model=TaskOut, summary="提交任务成果")
async def deliver(task_id: Id, data: DeliveryIn, ctx: ContextDep):
    """The assignee: deliver a research lesson, lesson record or discussion notes (summary, links)."""
    return await campaigns.deliver_task(ctx, task_id=task_id, data=data)


@router.post("/trainings/{training_id}/checkin", response_model=TrainingCheckinOut, status_code=status.HTTP_201_CREATED,
             summary="培训签到")
async def check_in(training_id: Id, ctx: ContextDep):
    """Teachers in the campaign's scope, in the window around the session."""
    return await campaigns.check_in_training(ctx, training_id=training_id)
