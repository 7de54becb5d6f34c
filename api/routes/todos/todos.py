"""A teacher's one to-do list (待办): every action waiting for her, across programmes."""

from fastapi import APIRouter

from actions.todos import actions as todo_actions
from api.deps import ContextDep
from contracts.todos.api import Todo

router = APIRouter(tags=["todos"])


@router.get("/me/todos", response_model=list[Todo])
async def my_todos(ctx: ContextDep):
    """Any logged-in user: what waits for me now (submit, vote, check in, deliver, reflect, minutes,
    a tour stop's checklist or feedback...), most urgent first, each with its deadline and its form's link."""
    return await todo_actions.my_todos(ctx)
