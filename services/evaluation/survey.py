"""The 合作满意度 survey: invitations say who was asked and whether they answered; responses keep
no author, school or time, so no result staff read can be tied to a person."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, Forbidden
from contracts.evaluation.api import SurveyIn, SurveyResults
from contracts.evaluation.history import RoundStage
from models import EvaluationRound, School, SurveyInvitation, SurveyResponse, User
from services.evaluation.service import require_stage
from services.evaluation.sources import Count, Scope

QUESTIONS = {"partners": "合作伙伴满意度", "activities": "教研活动收获", "feedback": "师生反馈"}


async def invite(session: AsyncSession, *, round_: EvaluationRound, scope: Scope) -> None:
    """The alliance's teachers and its schools' contacts (partner schools); once each."""
    contacts = await session.scalars(select(School.contact_user_id).where(
        School.id.in_(scope.school_ids), School.contact_user_id.is_not(None)))
    already = set(await session.scalars(select(SurveyInvitation.user_id).where(
        SurveyInvitation.round_id == round_.id)))
    for user_id in sorted(({*scope.teachers, *contacts}) - already):
        session.add(SurveyInvitation(round_id=round_.id, user_id=user_id))
    await session.flush()


async def invited(session: AsyncSession, *, round_id: int) -> list[int]:
    return list(await session.scalars(select(SurveyInvitation.user_id).where(SurveyInvitation.round_id == round_id)))


async def awaiting(session: AsyncSession, *, round_id: int, user_id: int) -> bool:
    """Invited and not answered yet."""
    invitation = await session.get(SurveyInvitation, (round_id, user_id))
    return invitation is not None and not invitation.answered


async def answer(session: AsyncSession, *, round_: EvaluationRound, data: SurveyIn, user: User) -> None:
    invitation = await session.get(SurveyInvitation, (round_.id, user.id))
    if invitation is None:
        raise Forbidden("你不在本次问卷的邀请范围内 (not invited to this survey)")
    require_stage(round_, RoundStage.review)
    if invitation.answered:
        raise Conflict("你已填写过本问卷 (already answered)")
    invitation.answered = True
    session.add(SurveyResponse(round_id=round_.id, **data.model_dump()))
    await session.flush()


async def results(session: AsyncSession, *, round_id: int) -> SurveyResults:
    asked = list(await session.scalars(select(SurveyInvitation.answered).where(SurveyInvitation.round_id == round_id)))
    total, answered = len(asked), sum(asked)
    responses = list(await session.scalars(select(SurveyResponse).where(SurveyResponse.round_id == round_id)))
    means = {label: round(sum(getattr(r, key) for r in responses) / len(responses), 2) if responses else 0.0
             for key, label in QUESTIONS.items()}
    return SurveyResults(invited=total, answered=answered, response_rate=round(100 * answered / total, 1) if total else 0.0,
                         means=means, comments=sorted(r.comment for r in responses if r.comment))


async def satisfaction(session: AsyncSession, *, round_id: int) -> Count:
    """The indicator: the mean answer on a 0–100 scale (1 → 0, 5 → 100), with the responses behind it."""
    responses = list(await session.scalars(select(SurveyResponse).where(SurveyResponse.round_id == round_id)))
    if not responses:
        return Count(0, [])
    mean = sum(r.partners + r.activities + r.feedback for r in responses) / (3 * len(responses))
    return Count(round((mean - 1) * 25, 1), sorted(f"survey_response:{r.id}" for r in responses))
