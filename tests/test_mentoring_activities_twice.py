"""Every mentor pair activity run twice with the same input, as a retry would: the second run
answers the same and leaves every table as it was (tests/test_activities_twice.py's rule)."""

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from activities.mentoring import MentoringActivities
from contracts.mentoring.api import PairIn, ProgrammeIn, StageFormIn
from contracts.mentoring.history import (
    DecisionInput, EndRequest, ExtendRequest, PlanRequest, ReplaceMentorRequest, Side, StepRequest, Verdict,
    VerdictRequest,
)
from models import Teacher, User
from services.mentoring import service as mentoring
from tests.test_activities_twice import _twice

NOW = datetime(2026, 8, 20, 1, 0, tzinfo=timezone.utc)


async def test_every_mentoring_activity_twice(settings, session_factory, demo):
    acts = MentoringActivities(session_factory, settings)
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        teachers = {t.staff_no: t for t in await session.scalars(select(Teacher))}
        programme = await mentoring.create_programme(
            session, data=ProgrammeIn(cluster_id=1, school_year="2026-2027", monthly_log_quota=1), actor=staff,
            stage_month_days=settings.mentoring_stage_dates, default_quota=0)
        pair = await mentoring.create_pair(session, programme=programme, actor=staff, data=PairIn(
            mentor_teacher_id=teachers["t0007"].id, mentee_teacher_id=teachers["t0002"].id, subject="语文"))
        await session.commit()
    # The first stage's timeline: log checks, the reminder, both escalations; each step twice.
    after, steps = NOW, 0
    planned = await _twice(session_factory, acts.plan_pair_step, PlanRequest(pair_id=pair.id, stage=1, after=after,
                                                                              announce=True))
    assert planned.notices
    while planned.next_step is not None:
        assert await _twice(session_factory, acts.run_pair_step, StepRequest(pair_id=pair.id, step=planned.next_step))
        after, steps = planned.next_step.due_at, steps + 1
        planned = await _twice(session_factory, acts.plan_pair_step, PlanRequest(pair_id=pair.id, stage=1, after=after))
    assert steps == 4 + 3  # September to December counted; reminder, contact, staff

    async with session_factory() as session:
        for side, staff_no in ((Side.mentor, "t0007"), (Side.mentee, "t0002")):
            await mentoring.put_stage_form(session, pair=await session.get(type(pair), pair.id), stage=1, side=side,
                                           user=teachers[staff_no].user, data=StageFormIn(summary="小结"), now=NOW)
        await session.commit()

    def decision(**what) -> DecisionInput:
        return DecisionInput(pair_id=pair.id, at=NOW + timedelta(days=200), **what)

    passed = await _twice(session_factory, acts.decide_pair, decision(verdict=VerdictRequest(
        stage=1, verdict=Verdict.passed, user_id=staff.id)))
    assert passed.stage == 2 and not passed.refused
    await _twice(session_factory, acts.decide_pair, decision(replace_mentor=ReplaceMentorRequest(
        mentor_teacher_id=teachers["t0008"].id, user_id=staff.id)))
    await _twice(session_factory, acts.decide_pair, decision(extend=ExtendRequest(ends_on=date(2027, 8, 1))))
    ended = await _twice(session_factory, acts.decide_pair, decision(end=EndRequest(reason="调离")))
    assert ended.status == "ended" and ended.notices
