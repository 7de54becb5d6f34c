"""What the round's run does when it wakes (activities/evaluation.py): the step that is due now,
decided from the database, and when to look again. Safe to run twice: each step finds its own
earlier effect (a stage already left, a notice already marked sent), and each notice's key names
what it is about.

collecting ─ nightly refresh ─▶ (term over) review: schools confirm or dispute, entries chased,
survey open ─▶ (review_until) scoring: missing entries escalated ─▶ (staff publish) published."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation.history import RoundStage, RoundStep
from contracts.evaluation.scheme import SourceKind
from contracts.notifications.history import Audience, NotifyRequest
from contracts.notifications.notices import (
    EvaluationDisputeAnswered, EvaluationDisputed, EvaluationEscalated, EvaluationPublished, EvaluationReminder,
    EvaluationReviewRequested, EvaluationSurvey,
)
from models import Cluster, EvaluationReview, EvaluationRound, EvaluationScheme, School
from services.evaluation import scoring, survey
from services.evaluation.refresh import refresh, values_of
from services.evaluation.schemes import scheme_of
from services.evaluation.service import scope_of

REFRESH_AT = time(2, 0)  # nightly, local: after the day's check-ins and minutes
SCORING_LOOK_AGAIN = timedelta(days=1)  # while staff score: catches a nudge that never arrived
SURVEY_AUDIENCE = "evaluation.survey_invited"


def link(round_id: int, part: str = "") -> str:
    return f"/console/evaluation/rounds/{round_id}{part}"


def _next_refresh(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    at = datetime.combine(local.date(), REFRESH_AT, tz)
    return at if at > local else at + timedelta(days=1)


class _Step:
    """The round and what every notice of it names."""

    def __init__(self, session: AsyncSession, round_: EvaluationRound, alliance: str) -> None:
        self.session, self.round, self.notices = session, round_, []
        self.about = {"alliance": alliance, "term": round_.term}

    def notify(self, payload_type, key: str, *, user_ids=(), audience=None, part: str = "", **fields) -> None:
        self.notices.append(NotifyRequest(
            payload=payload_type(**self.about, **fields), key=f"evaluation:{self.round.id}:{key}",
            user_ids=sorted(set(user_ids)), audience=audience, link=link(self.round.id, part)))


async def _contacts(session: AsyncSession, cluster_id: int) -> dict[int, tuple[str, int | None]]:
    rows = await session.execute(select(School.id, School.name, School.contact_user_id).where(
        School.cluster_id == cluster_id).order_by(School.id))
    return {school_id: (name, contact) for school_id, name, contact in rows.all()}


def _staff_of(round_: EvaluationRound) -> list[int]:
    """Who hears disputes and escalations: the staff member who opened the round."""
    return [round_.created_by]


async def missing_entries(session: AsyncSession, round_: EvaluationRound) -> dict[int, list[str]]:
    """School id → labels of its entered indicators still without a value."""
    scheme = scheme_of(await session.get(EvaluationScheme, round_.scheme_id))
    entered = {i.code: i.label for i in scheme.indicators if i.source == SourceKind.entered}
    missing: dict[int, list[str]] = {}
    for (code, school_id), row in sorted((await values_of(session, round_.id)).items(), key=str):
        if code in entered and school_id is not None and row.value is None:
            missing.setdefault(school_id, []).append(entered[code])
    return missing


async def _open_review(step: _Step, *, now: datetime, tz: ZoneInfo) -> None:
    round_ = step.round
    await refresh(step.session, round_=round_, now=now, tz=tz)  # the final count, at the term's end
    contacts = await _contacts(step.session, round_.cluster_id)
    missing = await missing_entries(step.session, round_)
    for school_id, (name, contact) in contacts.items():
        step.session.add(EvaluationReview(round_id=round_.id, school_id=school_id))
        step.notify(EvaluationReviewRequested, f"review:{school_id}", user_ids=[contact] if contact else [],
                    school=name, due=round_.review_until, entries=missing.get(school_id, []))
    await survey.invite(step.session, round_=round_, scope=await scope_of(step.session, round_, tz=tz))
    step.notify(EvaluationSurvey, "survey", audience=Audience(name=SURVEY_AUDIENCE, params={"round_id": round_.id}),
                part="/survey", due=round_.review_until)
    round_.stage = RoundStage.review


async def _remind(step: _Step, index: int) -> None:
    round_ = step.round
    missing = await missing_entries(step.session, round_)
    pending = set(await step.session.scalars(select(EvaluationReview.school_id).where(
        EvaluationReview.round_id == round_.id, EvaluationReview.status == "pending")))
    for school_id, (_, contact) in (await _contacts(step.session, round_.cluster_id)).items():
        if contact and (school_id in pending or school_id in missing):
            step.notify(EvaluationReminder, f"reminder:{index}:{school_id}", user_ids=[contact],
                        due=round_.review_until, review_pending=school_id in pending,
                        entries=missing.get(school_id, []))
    round_.reminders_sent = index + 1


async def _close_review(step: _Step, *, now: datetime) -> None:
    """Escalate what is still missing, count the survey, and hand the round to staff to score."""
    round_ = step.round
    missing = await missing_entries(step.session, round_)
    if missing:
        names = await _contacts(step.session, round_.cluster_id)
        step.notify(EvaluationEscalated, "escalated", user_ids=_staff_of(round_),
                    due=round_.review_until, missing={names[school][0]: labels for school, labels in missing.items()})
        for row in (await values_of(step.session, round_.id)).values():
            if row.school_id in missing and row.value is None:
                row.escalated_at = now
    scheme = scheme_of(await step.session.get(EvaluationScheme, round_.scheme_id))
    counted = await survey.satisfaction(step.session, round_id=round_.id)
    for indicator in scheme.indicators:
        if indicator.source == SourceKind.survey:
            row = (await values_of(step.session, round_.id))[(indicator.code, None)]
            row.value, row.records = counted.value, counted.records
            row.score = scoring.score(indicator, row.value, row.target)
    round_.stage = RoundStage.scoring


async def _tell_about_disputes(step: _Step, *, now: datetime) -> None:
    reviews = await step.session.scalars(select(EvaluationReview).where(
        EvaluationReview.round_id == step.round.id, EvaluationReview.status.in_(["disputed", "answered"])))
    contacts = await _contacts(step.session, step.round.cluster_id)
    for review in reviews:
        name, contact = contacts[review.school_id]
        if review.dispute_notified_at is None:
            step.notify(EvaluationDisputed, f"dispute:{review.school_id}", user_ids=_staff_of(step.round),
                        school=name, reason=review.reason)
            review.dispute_notified_at = now
        if review.status == "answered" and review.answer_notified_at is None:
            step.notify(EvaluationDisputeAnswered, f"answer:{review.school_id}", user_ids=[contact] if contact else [],
                        school=name, answer=review.answer)
            review.answer_notified_at = now


async def _published(step: _Step) -> None:
    round_ = step.round
    scheme = scheme_of(await step.session.get(EvaluationScheme, round_.scheme_id))
    alliance = [row for (_, school), row in (await values_of(step.session, round_.id)).items() if school is None]
    total, _ = scoring.level_totals(scheme, alliance)
    contacts = [contact for _, contact in (await _contacts(step.session, round_.cluster_id)).values() if contact]
    step.notify(EvaluationPublished, "published", user_ids=[*contacts, round_.created_by], part="/report", total=total)


async def advance(session: AsyncSession, *, round_id: int, now: datetime, tz: ZoneInfo) -> RoundStep:
    round_ = await session.get(EvaluationRound, round_id)
    stage_before = round_.stage
    alliance = await session.scalar(select(Cluster.name).where(Cluster.id == round_.cluster_id))
    step = _Step(session, round_, alliance)
    if round_.stage == RoundStage.collecting:
        if now >= round_.collect_until:
            await _open_review(step, now=now, tz=tz)
        elif round_.refreshed_at is None or round_.refreshed_at < _next_refresh(now, tz) - timedelta(days=1):
            await refresh(session, round_=round_, now=now, tz=tz)
    if round_.stage == RoundStage.review:
        due = [round_.review_until - timedelta(days=days) for days in round_.reminder_days]
        while round_.reminders_sent < len(due) and now >= due[round_.reminders_sent]:
            await _remind(step, round_.reminders_sent)
        if now >= round_.review_until:
            await _close_review(step, now=now)
    await _tell_about_disputes(step, now=now)
    if round_.stage == RoundStage.published:
        await _published(step)
    await session.flush()
    return RoundStep(stage=round_.stage, notices=step.notices, stage_changed=round_.stage != stage_before,
                     finished=round_.stage == RoundStage.published, wake_at=_wake_at(round_, now, tz))


def _wake_at(round_: EvaluationRound, now: datetime, tz: ZoneInfo) -> datetime | None:
    if round_.stage == RoundStage.collecting:
        return min(_next_refresh(now, tz), round_.collect_until)
    if round_.stage == RoundStage.review:
        due = [round_.review_until - timedelta(days=days) for days in round_.reminder_days]
        return min([*due[round_.reminders_sent:], round_.review_until])
    if round_.stage == RoundStage.scoring:
        return now + SCORING_LOOK_AGAIN
    return None


async def survey_invited(session: AsyncSession, *, round_id: int) -> list[int]:
    return await survey.invited(session, round_id=round_id)


# The audience the survey notice names; the worker registers this table.
RESOLVERS = {SURVEY_AUDIENCE: survey_invited}
