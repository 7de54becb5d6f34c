"""A teacher's evaluation to-dos (待办, services/todos), while a round of her alliance is in review:
as her school's contact, confirming or disputing its values and entering its indicators still
missing; as anyone the survey was sent to, answering it. Each drops once done."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation.history import RoundStage
from contracts.todos.api import Todo
from models import Cluster, EvaluationReview, EvaluationRound, School, SurveyInvitation, User
from services.evaluation import flow
from services.evaluation.flow import missing_entries


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    todos = []
    in_review = select(EvaluationRound, Cluster.name).join(Cluster, Cluster.id == EvaluationRound.cluster_id).where(
        EvaluationRound.stage == RoundStage.review)
    contact_of = select(School.id, School.cluster_id).where(School.contact_user_id == user.id)
    schools = dict((await session.execute(contact_of)).all())
    for round_, alliance in (await session.execute(in_review.where(EvaluationRound.cluster_id.in_(
            set(schools.values()))))).all():
        about = f"{alliance} {round_.term}"
        pending = set(await session.scalars(select(EvaluationReview.school_id).where(
            EvaluationReview.round_id == round_.id, EvaluationReview.status == "pending")))
        missing = await missing_entries(session, round_)
        for school_id, cluster_id in schools.items():
            if cluster_id != round_.cluster_id:
                continue
            if school_id in pending:
                todos.append(_todo("review", f"确认考评数据：{about}", round_))
            if missing.get(school_id):
                todos.append(_todo("enter", f"填报考评指标（{'、'.join(missing[school_id])}）：{about}", round_))
    asked = await session.execute(in_review.join(SurveyInvitation, SurveyInvitation.round_id == EvaluationRound.id).where(
        SurveyInvitation.user_id == user.id, SurveyInvitation.answered.is_(False)))
    for round_, alliance in asked.all():
        todos.append(_todo("survey", f"合作满意度问卷：{alliance} {round_.term}", round_, part="/survey"))
    return todos


def _todo(action: str, title: str, round_: EvaluationRound, *, part: str = "") -> Todo:
    return Todo(source="evaluation", action=action, title=title, due=round_.review_until,
                link=flow.link(round_.id, part), record_id=round_.id)
