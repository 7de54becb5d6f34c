"""Activities are at-least-once: Temporal runs one again when its answer is lost (worker killed
after the commit, a timeout). Every campaign, series and tour activity is run twice here with the same
input, as a retry would: the second run answers the same and leaves every table as it was."""

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.campaigns import CampaignActivities
from activities.series import SeriesActivities
from activities.tours import TourActivities
from contracts.campaigns.api import CampaignIn, ProblemIn
from contracts.campaigns.history import (
    Phase, PhaseStep, PlanIn, PlanSubmission, PlanVerdict, StageIn, TopicIn, TopicsConfirmation, TrainingIn,
    TrainingScheduling, Transition,
)
from contracts.series.api import SeriesIn
from contracts.series.history import AdvanceInput, Cursor, EndAfterCancel
from contracts.tours.api import StopIn, TourIn
from contracts.tours.history import StopCursor, TourAdvance, TourEnd, TourEndInput
from models import Base, Cluster, User
from services.campaigns import service as campaigns
from services.series import service as series
from services.tours import service as tours

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


async def _tables(session_factory) -> dict[str, list]:
    async with session_factory() as session:
        return {table.name: sorted(map(repr, (await session.execute(select(table))).all()))
                for table in Base.metadata.sorted_tables}


async def _twice(session_factory, activity, *args):
    """Run it, then run it again: same answer, same database."""
    env = ActivityEnvironment()
    first = await env.run(activity, *args)
    after_first = await _tables(session_factory)
    second = await env.run(activity, *args)
    assert second == first, activity.__name__
    after_second = await _tables(session_factory)
    changed = [name for name in after_first if after_first[name] != after_second[name]]
    assert not changed, (activity.__name__, changed)
    return first


async def test_every_campaign_activity_twice(settings, session_factory, demo):
    acts = CampaignActivities(session_factory, settings)
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        campaign = await campaigns.create_campaign(session, data=CampaignIn(title="重试", cluster_ids=[cluster]),
                                                   by=staff, now=NOW)
        await session.commit()
    cid = campaign.id

    def move(phase: Phase, step: PhaseStep = PhaseStep.open, minutes: int = 0) -> Transition:
        return Transition(campaign_id=cid, phase=phase, step=step, deadline=NOW + timedelta(days=7),
                          at=NOW + timedelta(minutes=minutes), closed_how="deadline")

    await _twice(session_factory, acts.record_transition, move(Phase.collect_topics))
    async with session_factory() as session:
        member = await campaigns.member_of(session, campaign_id=cid, user_id=(await session.scalar(
            select(User.id).where(User.username == "t0001"))))
        problem = await campaigns.submit_problem(session, campaign_id=cid, member=member,
                                                 data=ProblemIn(title="学生作文无话可写"))
        await session.commit()
    await _twice(session_factory, acts.record_transition, move(Phase.collect_topics, PhaseStep.deciding, 1))
    assert (await _twice(session_factory, acts.propose_topics, cid))["problems"] == 1
    topics = await _twice(session_factory, acts.confirm_topics, TopicsConfirmation(
        campaign_id=cid, topics=[TopicIn(title="作文", problem_ids=[problem.id], lead_user_id=staff.id)],
        by_user_id=staff.id, at=NOW))
    await _twice(session_factory, acts.record_transition, move(Phase.train, minutes=2))
    training = await _twice(session_factory, acts.schedule_training, TrainingScheduling(
        campaign_id=cid, by_user_id=staff.id, at=NOW, training=TrainingIn(
            topic_id=topics[0].id, title="作文讲座", expert="李教授", starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=2), place="报告厅")))
    await _twice(session_factory, acts.training_absentees, training.id)
    await _twice(session_factory, acts.record_transition, move(Phase.design_plan, minutes=3))
    due = NOW + timedelta(days=3)
    plan = PlanIn(goal="写具体", stages=[StageIn(title="课例", due_at=due, assignee_user_ids=[member.user_id])])
    await _twice(session_factory, acts.store_plan, PlanSubmission(campaign_id=cid, topic_id=topics[0].id, plan=plan,
                                                                  by_user_id=staff.id, at=NOW))
    await _twice(session_factory, acts.decide_plan, PlanVerdict(campaign_id=cid, topic_id=topics[0].id, approve=True,
                                                                by_user_id=staff.id, at=NOW))
    assert await _twice(session_factory, acts.overdue_assignees, cid, due)
    await _twice(session_factory, acts.render_report, cid, NOW)
    await _twice(session_factory, acts.record_transition, move(Phase.cancelled, PhaseStep.closed, 4))


async def test_every_series_activity_twice(settings, session_factory, demo):
    acts = SeriesActivities(session_factory)
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        made = await series.create_series(
            session, cluster_id=cluster, actor=staff, now=NOW, tz=settings.tz,
            data=SeriesIn(title="周周有约", weekday=3, start_time="14:00", end_time="17:00",
                          term_start=date(2026, 3, 9), term_end=date(2026, 3, 22)))
        await session.commit()
    after = series.initial_cursor(made)
    # Walk the timeline: every step (announce, reminders, close check-in, minutes...) twice.
    for _ in range(40):
        planned = await _twice(session_factory, acts.advance_series, AdvanceInput(series_id=made.id, after=after))
        if planned.next_step is None:
            break
        step = planned.next_step
        await _twice(session_factory, acts.advance_series, AdvanceInput(series_id=made.id, after=after, run=step))
        after = Cursor(**step.model_dump(include={"due_at", "session_id", "order"}))
    else:
        raise AssertionError("the term's timeline did not end")
    await _twice(session_factory, acts.end_after_cancel, EndAfterCancel(series_id=made.id, at=NOW))


async def test_every_tour_activity_twice(settings, session_factory, demo):
    acts = TourActivities(session_factory)
    first = NOW + timedelta(days=20)
    stops = [StopIn(host_school_id=host, starts_at=first + timedelta(weeks=n), ends_at=first + timedelta(weeks=n, hours=2))
             for n, host in enumerate([5, 6])]
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        made, ended = [await tours.create_tour(session, data=TourIn(title=title, presenter_user_id=staff.id, stops=stops),
                                               actor=staff, now=NOW, tz=settings.tz) for title in ("送教", "另一次送教")]
        await session.commit()
    after = tours.initial_cursor(made)
    # Walk the timeline: announcements, checklist reminders, check-in, feedback requests and chases, twice each.
    for _ in range(40):
        planned = await _twice(session_factory, acts.advance_tour, TourAdvance(tour_id=made.id, after=after))
        if planned.next_step is None:
            break
        step = planned.next_step
        await _twice(session_factory, acts.advance_tour, TourAdvance(tour_id=made.id, after=after, run=step))
        after = StopCursor(**step.model_dump(include={"due_at", "stop_id", "order"}))
    else:
        raise AssertionError("the tour's timeline did not end")
    notices = await _twice(session_factory, acts.end_tour, TourEndInput(
        tour_id=ended.id, end=TourEnd(reason="经费", by_user_id=staff.id, at=NOW)))
    assert len(notices) == 2
