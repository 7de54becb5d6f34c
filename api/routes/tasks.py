"""A teacher's own campaign work: her open tasks, deliveries, training check-ins."""

from fastapi import APIRouter, status

from api.clock import NowDep
from api.deps import SessionDep, TeacherUser
from contracts.campaigns import CheckInOut, DeliveryIn, TaskOut
from services import campaign_actions, campaigns

router = APIRouter(tags=["tasks"])


@router.get("/me/tasks", response_model=list[TaskOut])
async def my_tasks(session: SessionDep, user: TeacherUser):
    """Teachers: open tasks of every campaign, soonest due first."""
    return [TaskOut.model_validate(t) for t in await campaigns.open_tasks(session, user_id=user.id)]


@router.post("/tasks/{task_id}/deliver", response_model=TaskOut)
async def deliver(task_id: int, data: DeliveryIn, session: SessionDep, user: TeacherUser, now: NowDep):
    """The assignee: deliver a research lesson, lesson record or discussion notes (summary, links)."""
    task = await campaign_actions.deliver_task(session, task_id=task_id, user=user, data=data, now=now)
    await session.commit()
    return TaskOut.model_validate(task)


@router.post("/trainings/{training_id}/checkin", response_model=CheckInOut, status_code=status.HTTP_201_CREATED)
async def check_in(training_id: int, session: SessionDep, user: TeacherUser, now: NowDep):
    """Teachers in the campaign's scope, in the window around the session."""
    checkin = await campaign_actions.check_in_training(session, training_id=training_id, user=user, now=now)
    await session.commit()
    return CheckInOut.model_validate(checkin)
