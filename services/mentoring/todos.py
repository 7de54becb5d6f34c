"""A teacher's to-dos from her mentor pairs (青蓝工程): the logs the other side wrote that wait for
her confirmation, her stage form while it is missing, an improvement plan staff asked for. Each
with the stage's deadline and a link straight to its form on the pair's page."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import get_settings
from contracts.mentoring.api import LogKind
from contracts.mentoring.history import PairStatus, Verdict
from contracts.todos.api import Todo
from models import MentoringLog, MentoringProgramme, User
from services.mentoring.notices import pair_link
from services.mentoring.service import form_deadline, latest_verdict, people_of, stage_dates, stage_form
from services.mentoring.views import pairs_of_user

SOURCE = "mentoring"


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    tz = get_settings().tz
    todos = []
    for pair in await pairs_of_user(session, user_id=user.id):
        if pair.status != PairStatus.active:
            continue
        side = (await people_of(session, pair)).side_of(user.id)
        programme = await session.get(MentoringProgramme, pair.programme_id)
        stage = pair.current_stage
        due = form_deadline(stage_dates(programme, pair)[stage - 1], tz)

        def todo(action: str, title: str, anchor: str) -> Todo:
            return Todo(source=SOURCE, action=action, title=title, due=due, link=pair_link(pair, anchor),
                        record_id=pair.id)

        to_confirm = (await session.scalars(select(MentoringLog).where(
            MentoringLog.pair_id == pair.id, MentoringLog.side == side.other, MentoringLog.confirmed_at.is_(None))
            .order_by(MentoringLog.happened_on))).all()
        todos += [todo("confirm_log", f"确认师徒活动：{LogKind(log.kind).label} {log.happened_on:%m-%d}", "logs")
                  for log in to_confirm]
        if await stage_form(session, pair_id=pair.id, stage=stage, side=side) is None:
            todos.append(todo("stage_form", f"填写第{stage}阶段考评表（{side.label}）", "form"))
        verdict = await latest_verdict(session, pair_id=pair.id, stage=stage)
        if verdict is not None and verdict.verdict != Verdict.passed and not verdict.improvement_plan:
            todos.append(todo("improvement_plan", f"提交第{stage}阶段改进计划", "plan"))
    return todos
