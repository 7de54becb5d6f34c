"""Gathers every programme's to-dos for one teacher, most urgent first (no deadline last)."""

from datetime import datetime
from importlib import import_module

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.todos.api import Todo
from models import User

# The programmes that answer a teacher's to-dos, each in services/<domain>/todos.py with
# `async def todos_for(session, *, user, now) -> list[Todo]`. To add one (mentoring, exchanges):
# one line here.
DOMAINS = [
    "campaigns",
    "series",
    "mentoring",
    "tours",
    "evaluation",
]
PROVIDERS = [import_module(f"services.{domain}.todos").todos_for for domain in DOMAINS]


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    todos = [todo for provider in PROVIDERS for todo in await provider(session, user=user, now=now)]
    # Stable: items due together keep their programme's order (submit before vote).
    return sorted(todos, key=lambda todo: (todo.due is None, todo.due or now))
