"""Gathers every programme's to-dos for one teacher, most urgent first (no deadline last)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.todos.api import Todo
from models import User
from services.campaigns import todos as campaigns
from services.evaluation import todos as evaluation
from services.exchanges import todos as exchanges
from services.mentoring import todos as mentoring
from services.series import todos as series
from services.tours import todos as tours

# The programmes that answer a teacher's to-dos, each in services/<domain>/todos.py with
# `async def todos_for(session, *, user, now) -> list[Todo]`. A new programme: one import, one entry.
PROVIDERS = [campaigns.todos_for, series.todos_for, mentoring.todos_for, tours.todos_for, exchanges.todos_for,
             evaluation.todos_for]


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    todos = [todo for provider in PROVIDERS for todo in await provider(session, user=user, now=now)]
    # Stable: items due together keep their programme's order (submit before vote).
    return sorted(todos, key=lambda todo: (todo.due is None, todo.due or now))
