"""One item of a teacher's to-do list (待办): an action waiting for her, from any programme.

Each domain answers its own items (`services/<domain>/todos.py: async def todos_for(session, *,
user, now) -> list[Todo]`); `services/todos` gathers them, most urgent first."""

from datetime import datetime

from pydantic import BaseModel


class Todo(BaseModel):
    source: str  # the programme: "campaign", "series", "mentoring", "exchange", "tour"
    action: str  # what she is to do, e.g. "submit_problem", "check_in", "stage_form"
    title: str  # in Chinese, what the console shows: "提交问题：<campaign>"
    due: datetime | None  # her deadline; None sorts last
    link: str  # the console page with the form, e.g. "/console/campaigns/3/problems/new"
    record_id: int  # the campaign, session, pair, exchange or stop it belongs to
