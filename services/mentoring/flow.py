"""What the pair's run writes when staff decide (a verdict, a new mentor, an extension, an early
end), and whom it tells. Each is one transaction that finds its own earlier effect, so an activity
run twice answers the same; a rule of the database it breaks is answered as a refusal."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, InvalidField
from contracts.mentoring.history import (
    DecisionInput, DecisionResult, EndRequest, ExtendRequest, PairStatus, ReplaceMentorRequest, Side, Verdict,
    VerdictRequest,
)
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import (
    MentoringCompleted, MentoringPairChanged, MentoringPairStarted, MentoringStageVerdict,
)
from models import MentoringPair, MentoringProgramme, MentoringVerdict, Teacher
from services.mentoring import notices
from services.mentoring.service import (
    People, alliance_teacher, latest_verdict, missing_forms, people_of, stage_dates,
)


async def decide(session: AsyncSession, *, decision: DecisionInput) -> DecisionResult:
    pair = await session.get(MentoringPair, decision.pair_id)
    programme = await session.get(MentoringProgramme, pair.programme_id)
    try:
        if decision.verdict:
            found = await _verdict(session, pair=pair, programme=programme, request=decision.verdict, at=decision.at)
        elif decision.replace_mentor:
            found = await _replace_mentor(session, pair=pair, programme=programme, request=decision.replace_mentor)
        elif decision.extend:
            found = await _extend(session, pair=pair, programme=programme, request=decision.extend, at=decision.at)
        else:
            found = await _end(session, pair=pair, programme=programme, request=decision.end)
    except InvalidField as refused:
        return DecisionResult(refused=refused.detail, refused_field=refused.field, status=pair.status,
                              stage=pair.current_stage)
    except Conflict as refused:
        return DecisionResult(refused=refused.detail, status=pair.status, stage=pair.current_stage)
    await session.flush()
    return DecisionResult(notices=[n for n in found if n], status=pair.status, stage=pair.current_stage)


def _notice(model, *, pair: MentoringPair, programme: MentoringProgramme, people: People, what: str,
            user_ids: list[int | None], link: str = "", **fields) -> NotifyRequest | None:
    return notices.pair_notice(model, programme=programme, people=people, key=notices.key(pair, what),
                               user_ids=user_ids, link=link or notices.pair_link(pair), **fields)


def started_notice(pair: MentoringPair, programme: MentoringProgramme, people: People) -> NotifyRequest | None:
    """To both teachers when their run starts."""
    return _notice(MentoringPairStarted, pair=pair, programme=programme, people=people, what="started",
                   user_ids=notices.both(people), subject=pair.subject, goals=pair.goals, ends_on=pair.ends_on)


async def _verdict(session: AsyncSession, *, pair: MentoringPair, programme: MentoringProgramme,
                   request: VerdictRequest, at: datetime) -> list[NotifyRequest | None]:
    latest = await latest_verdict(session, pair_id=pair.id, stage=request.stage)
    already = latest is not None and latest.decided_at == at and latest.verdict == request.verdict
    if not already:
        _verdict_allowed(pair, request.stage, latest, await missing_forms(session, pair_id=pair.id, stage=request.stage))
        latest = MentoringVerdict(pair_id=pair.id, stage=request.stage, round=latest.round + 1 if latest else 1,
                                  verdict=request.verdict, comment=request.comment,
                                  decided_by_user_id=request.user_id, decided_at=at)
        session.add(latest)
        if request.verdict == Verdict.passed:
            if request.stage == len(stage_dates(programme, pair)):
                pair.status = PairStatus.completed
            else:
                pair.current_stage = request.stage + 1
    people = await people_of(session, pair)
    last = pair.status == PairStatus.completed
    found = [_notice(MentoringStageVerdict, pair=pair, programme=programme, people=people,
                     what=f"stage{request.stage}:verdict{latest.round}", user_ids=notices.both(people),
                     link=notices.pair_link(pair, "" if request.verdict == Verdict.passed else "plan"),
                     stage=request.stage, verdict=request.verdict.value, comment=request.comment,
                     next_stage=None if last or request.verdict != Verdict.passed else request.stage + 1)]
    if last:
        found.append(_notice(MentoringCompleted, pair=pair, programme=programme, people=people, what="completed",
                             user_ids=notices.both(people), link=notices.certificate_link(pair),
                             stages=request.stage))
    return found


def _verdict_allowed(pair: MentoringPair, stage: int, latest: MentoringVerdict | None, missing: list[Side]) -> None:
    if pair.status != PairStatus.active or stage != pair.current_stage:
        raise Conflict(f"当前不是第 {stage} 阶段 (stage {stage} is not open)", current_stage=pair.current_stage)
    if missing:
        raise Conflict("阶段考评表未交齐：" + "、".join(side.label for side in missing) + " (forms missing)",
                       missing=[side.value for side in missing])
    if latest is not None and not latest.improvement_plan:
        raise Conflict("请等待结对提交改进计划后再考评 (waiting for the improvement plan)")


async def _replace_mentor(session: AsyncSession, *, pair: MentoringPair, programme: MentoringProgramme,
                          request: ReplaceMentorRequest) -> list[NotifyRequest | None]:
    if pair.mentor_teacher_id != request.mentor_teacher_id:  # else: this activity ran before
        if request.mentor_teacher_id == pair.mentee_teacher_id:
            raise InvalidField("mentor_teacher_id", "师傅和徒弟不能是同一人 (mentor and mentee must differ)")
        await alliance_teacher(session, programme=programme, teacher_id=request.mentor_teacher_id,
                               field="mentor_teacher_id")
        pair.previous_mentor_teacher_id, pair.mentor_teacher_id = pair.mentor_teacher_id, request.mentor_teacher_id
        await session.flush()
    people = await people_of(session, pair)
    previous = await session.get(Teacher, pair.previous_mentor_teacher_id)
    return [_notice(MentoringPairChanged, pair=pair, programme=programme, people=people,
                    what=f"mentor:{pair.mentor_teacher_id}", user_ids=[*notices.both(people), previous.user_id],
                    action="mentor_replaced", previous_mentor=previous.name, reason=request.reason)]


async def _extend(session: AsyncSession, *, pair: MentoringPair, programme: MentoringProgramme,
                  request: ExtendRequest, at: datetime) -> list[NotifyRequest | None]:
    if pair.ends_on != request.ends_on:  # else: this activity ran before
        if request.ends_on < pair.ends_on or request.ends_on <= at.date():
            raise InvalidField("ends_on", "延期后的结束日期须晚于原结束日期和今天 (after the current end and today)")
        pair.ends_on = request.ends_on
    people = await people_of(session, pair)
    return [_notice(MentoringPairChanged, pair=pair, programme=programme, people=people,
                    what=f"extended:{pair.ends_on.isoformat()}", user_ids=notices.both(people), action="extended",
                    ends_on=pair.ends_on, reason=request.reason)]


async def _end(session: AsyncSession, *, pair: MentoringPair, programme: MentoringProgramme,
               request: EndRequest) -> list[NotifyRequest | None]:
    if pair.status == PairStatus.completed:
        raise Conflict("结对已完成 (the pair is completed)", status=pair.status)
    pair.status, pair.ended_reason = PairStatus.ended, request.reason
    people = await people_of(session, pair)
    contacts = [people.mentor_school.contact_user_id, people.mentee_school.contact_user_id]
    return [_notice(MentoringPairChanged, pair=pair, programme=programme, people=people, what="ended",
                    user_ids=[*notices.both(people), *contacts], action="ended", reason=pair.ended_reason)]
