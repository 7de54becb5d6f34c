"""A teacher's one to-do list (待办), across programmes."""

from actions.context import Context
from contracts.todos.api import Todo
from services.todos import gather


async def my_todos(ctx: Context) -> list[Todo]:
    """Any logged-in user: what waits for her now, most urgent first; each item drops once done."""
    return await gather.todos_for(ctx.session, user=ctx.user, now=ctx.now)
