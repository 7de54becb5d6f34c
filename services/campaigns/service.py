"""Campaigns: launch, read, and the teachers' high-volume actions, each stored under a phase guard.

The workflow owns the phase; its activity writes `campaigns.phase/step` when it changes. A
teacher's action checks them before writing and again after (inside the write transaction), so an
action that races a phase change is either in before the change or refused with 409."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, Select, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import workflow_ids
from contracts.campaigns import phase_rules
from contracts.campaigns.api import (
    CampaignIn, CampaignStatus, CampaignOrganiserOut, DeliveryIn, PhaseCounts, PhaseWindow, ProblemIn, ProblemUpdate,
    ReflectionIn, SummaryIn, TopicOut,
)
from contracts.campaigns.history import CYCLE, CampaignParams, CampaignState, Phase, PlanStatus
from contracts.campaigns.phase_rules import CampaignAction
from contracts.directory.api import Role
from contracts.errors import Conflict, InvalidField, NotFound
from models import (
    Campaign, CampaignMember, CampaignOrganiser, CampaignPhase, CheckIn, Cluster, PlanStage, Problem, ProblemSecond,
    Reflection, School, Task, Teacher, TeacherSubject, Topic, TopicParticipant, Training, User, Vote,
)
from services.attendance import AttendanceKind, CheckinWindow, WindowRule, default_rule
from services.campaigns import problem_vectors

INSERT_CHUNK = 1000


# ---- launch --------------------------------------------------------------------------------


def planned_deadlines(params: CampaignParams, start: datetime) -> dict[Phase, datetime]:
    """Each phase ends at its own deadline if one was given, else its duration after the last."""
    deadlines: dict[Phase, datetime] = {}
    at = start
    for phase in CYCLE:
        at = params.deadlines.get(phase) or at + params.durations[phase]
        deadlines[phase] = at
    return deadlines


def _scope_query(data: CampaignIn) -> Select:
    stmt = (
        select(User.id, Teacher.id, School.id, School.cluster_id)
        .join(Teacher, Teacher.user_id == User.id)
        .join(School, School.id == Teacher.school_id)
        .where(Teacher.active, User.active)
        .where(or_(School.cluster_id.in_(data.cluster_ids), School.id.in_(data.school_ids)))
    )
    if data.grade_band is not None:
        stmt = stmt.where(Teacher.grade_band == data.grade_band)
    if data.subject is not None:
        stmt = stmt.where(Teacher.id.in_(select(TeacherSubject.teacher_id).where(TeacherSubject.subject == data.subject)))
    return stmt


async def create_campaign(session: AsyncSession, *, data: CampaignIn, by: User, now: datetime,
                          checkin: WindowRule | None = None) -> Campaign:
    """`checkin`: the trainings' window from settings (default_rule), fixed in the campaign's params
    because its run waits for the window to close before listing absentees."""
    checkin = checkin or default_rule(AttendanceKind.training)
    params = data.params().model_copy(update={"checkin_opens_before": checkin.opens_before,
                                              "checkin_closes_after": checkin.closes_after})
    for field, model, ids in [("cluster_ids", Cluster, data.cluster_ids), ("school_ids", School, data.school_ids)]:
        found = set(await session.scalars(select(model.id).where(model.id.in_(ids))))
        if missing := sorted(set(ids) - found):
            raise InvalidField(field, f"{missing} 不存在 (do not exist)")
    deadlines = planned_deadlines(params, now)
    if any(b <= a for a, b in zip([now, *deadlines.values()], deadlines.values())):
        raise InvalidField("schedule", "各阶段截止时间须晚于开始时间且依次递增 (deadlines must be in the future and in order)")
    members = (await session.execute(_scope_query(data))).all()
    if not members:
        raise InvalidField("cluster_ids", "范围内没有在岗教师 (no active teacher in this scope)")
    campaign = Campaign(
        title=data.title, subject=data.subject, grade_band=data.grade_band, cluster_ids=data.cluster_ids,
        school_ids=data.school_ids, params=params.model_dump(mode="json"), created_by=by.id,
        deadline=deadlines[Phase.collect_topics],
    )
    session.add(campaign)
    await session.flush()
    campaign.workflow_id = workflow_ids.campaign(campaign.id)
    session.add_all(
        CampaignPhase(campaign_id=campaign.id, phase=phase, position=n, deadline=deadlines[phase])
        for n, phase in enumerate(CYCLE)
    )
    rows = [{"campaign_id": campaign.id, "user_id": u, "teacher_id": t, "school_id": s, "cluster_id": c}
            for u, t, s, c in members]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(CampaignMember), rows[start : start + INSERT_CHUNK])
    await session.flush()
    return campaign


def initial_state(campaign: Campaign) -> CampaignState:
    return CampaignState(
        campaign_id=campaign.id, title=campaign.title, params=CampaignParams(**campaign.params),
        staff_user_ids=[campaign.created_by],
    )


# ---- reading -------------------------------------------------------------------------------


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("活动 (campaign)", campaign_id)
    return campaign


async def live_campaigns(session: AsyncSession, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """A page of the campaigns that should have a run (running in the database), in id order after
    `after_id`: (id, username of who launched it). The reconciler (engine/reconcile.py) pages them."""
    rows = await session.execute(
        select(Campaign.id, User.username).join(User, User.id == Campaign.created_by)
        .where(Campaign.status == CampaignStatus.running, Campaign.id > after_id).order_by(Campaign.id).limit(limit))
    return [(campaign_id, username) for campaign_id, username in rows]


async def member_of(session: AsyncSession, *, campaign_id: int, user_id: int) -> CampaignMember | None:
    return await session.get(CampaignMember, (campaign_id, user_id))


async def campaign_and_member(session: AsyncSession, *, campaign_id: int,
                              user_id: int) -> tuple[Campaign, CampaignMember | None]:
    """The campaign and the user's place in its scope (None: not in it), in one query."""
    row = (await session.execute(
        select(Campaign, CampaignMember).where(Campaign.id == campaign_id)
        .outerjoin(CampaignMember, (CampaignMember.campaign_id == Campaign.id) & (CampaignMember.user_id == user_id))
    )).first()
    if row is None:
        raise NotFound("活动 (campaign)", campaign_id)
    campaign, member = row
    return campaign, member


# ---- co-organisers (协同组织者) -------------------------------------------------------------


async def is_organiser(session: AsyncSession, *, campaign_id: int, user_id: int) -> bool:
    return await session.get(CampaignOrganiser, (campaign_id, user_id)) is not None


async def organisers(session: AsyncSession, *, campaign_id: int) -> list[CampaignOrganiserOut]:
    """The co-organisers with their names, in the order they were added."""
    rows = await session.execute(
        select(CampaignOrganiser, User.display_name).join(User, User.id == CampaignOrganiser.user_id)
        .where(CampaignOrganiser.campaign_id == campaign_id).order_by(CampaignOrganiser.added_at, User.id))
    return [CampaignOrganiserOut(user_id=row.user_id, display_name=name, added_by=row.added_by, added_at=row.added_at)
            for row, name in rows]


async def add_organiser(session: AsyncSession, *, campaign: Campaign, user_id: int, by: User,
                        now: datetime) -> None:
    """Research staff only (admins steer every campaign already); adding one twice keeps the first."""
    user = await session.get(User, user_id)
    if user is None or user.role != Role.staff or not user.active:
        raise InvalidField("user_id", f"用户 {user_id} 不是在职的教研员 (not an active research staff member)")
    if user_id == campaign.created_by or await is_organiser(session, campaign_id=campaign.id, user_id=user_id):
        return
    session.add(CampaignOrganiser(campaign_id=campaign.id, user_id=user_id, added_by=by.id, added_at=now))
    await session.flush()


async def remove_organiser(session: AsyncSession, *, campaign_id: int, user_id: int) -> None:
    row = await session.get(CampaignOrganiser, (campaign_id, user_id))
    if row is None:
        raise NotFound("协同组织者 (co-organiser)", user_id)
    await session.delete(row)
    await session.flush()


async def member_clusters(session: AsyncSession, campaign_id: int) -> list[int]:
    return sorted(set(await session.scalars(
        select(CampaignMember.cluster_id).where(CampaignMember.campaign_id == campaign_id))))


def campaigns_query(*, status: str | None, phase: Phase | None, subject: str | None,
                    cluster_id: int | None, member_user_id: int | None) -> Select[tuple[Campaign]]:
    stmt = select(Campaign).order_by(Campaign.id.desc())
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    if phase is not None:
        stmt = stmt.where(Campaign.phase == phase)
    if subject is not None:
        stmt = stmt.where(Campaign.subject == subject)
    if cluster_id is not None:
        stmt = stmt.where(Campaign.id.in_(select(CampaignMember.campaign_id).where(CampaignMember.cluster_id == cluster_id)))
    if member_user_id is not None:
        stmt = stmt.where(Campaign.id.in_(select(CampaignMember.campaign_id).where(CampaignMember.user_id == member_user_id)))
    return stmt


async def phase_windows(session: AsyncSession, campaign_id: int) -> list[PhaseWindow]:
    rows = await session.scalars(
        select(CampaignPhase).where(CampaignPhase.campaign_id == campaign_id).order_by(CampaignPhase.position)
    )
    return [PhaseWindow.model_validate(row) for row in rows]


def live_problems(campaign_id: int) -> Select[tuple[Problem]]:
    return select(Problem).where(Problem.campaign_id == campaign_id, Problem.withdrawn_at.is_(None))


def participants_query(campaign_id: int) -> Select:
    return select(TopicParticipant.user_id).where(TopicParticipant.campaign_id == campaign_id).distinct()


@dataclass(frozen=True)
class BoardCounts:
    members: int
    problems: int
    votes: int
    phases: list[PhaseCounts]


def _distinct(column, *where) -> ScalarSelect[int]:
    return select(func.count(column.distinct())).where(*where).scalar_subquery()


async def board_counts(session: AsyncSession, campaign_id: int) -> BoardCounts:
    """What the board counts, in one statement of aggregates that each read one index: problems,
    votes and authors over the live problems, then who acted in each phase."""
    row = (await session.execute(select(
        func.count(), func.coalesce(func.sum(Problem.votes), 0), func.count(Problem.author_user_id.distinct()),
        select(func.count()).where(CampaignMember.campaign_id == campaign_id).scalar_subquery(),
        _distinct(TopicParticipant.user_id, TopicParticipant.campaign_id == campaign_id),
        _distinct(CheckIn.user_id, CheckIn.campaign_id == campaign_id),
        select(func.count()).where(Topic.campaign_id == campaign_id).scalar_subquery(),
        select(func.count()).where(Topic.campaign_id == campaign_id,
                                   Topic.plan_status == PlanStatus.approved).scalar_subquery(),
        _distinct(Task.assignee_user_id, Task.campaign_id == campaign_id),
        _distinct(Task.assignee_user_id, Task.campaign_id == campaign_id, Task.delivered_at.is_(None)),
        select(func.count()).where(Reflection.campaign_id == campaign_id).scalar_subquery(),
    ).where(Problem.campaign_id == campaign_id, Problem.withdrawn_at.is_(None)))).one()
    problems, votes, submitted, members, participants, checked_in, topics, approved, assignees, behind, reflected = row
    acted_total = [
        (Phase.collect_topics, submitted, members), (Phase.train, checked_in, participants),
        (Phase.design_plan, approved, topics), (Phase.practise, assignees - behind, assignees),
        (Phase.reflect, reflected, participants),
    ]
    return BoardCounts(members=members, problems=problems, votes=votes,
                       phases=[PhaseCounts(phase=p, acted=a, not_acted=max(t - a, 0)) for p, a, t in acted_total])


async def topics_out(session: AsyncSession, campaign_id: int) -> list[TopicOut]:
    topics = (await session.scalars(select(Topic).where(Topic.campaign_id == campaign_id).order_by(Topic.position))).all()
    sizes = dict((await session.execute(
        select(TopicParticipant.topic_id, func.count()).where(TopicParticipant.campaign_id == campaign_id)
        .group_by(TopicParticipant.topic_id))).all())
    return [TopicOut(id=t.id, title=t.title, lead_user_id=t.lead_user_id, problem_ids=t.problem_ids,
                     plan_status=t.plan_status, participants=sizes.get(t.id, 0)) for t in topics]


async def open_tasks(session: AsyncSession, *, user_id: int, campaign_id: int | None = None) -> Sequence[Task]:
    stmt = (select(Task).join(PlanStage, PlanStage.id == Task.stage_id)
            .where(Task.assignee_user_id == user_id, Task.delivered_at.is_(None), PlanStage.done_at.is_(None))
            .order_by(Task.due_at, Task.id))
    if campaign_id is not None:
        stmt = stmt.where(Task.campaign_id == campaign_id)
    return (await session.scalars(stmt)).all()


# ---- the phase guard -----------------------------------------------------------------------


async def _refuse_unless_allowed(session: AsyncSession, campaign_id: int, action: CampaignAction) -> None:
    """The rule asked of the campaign's phase as the database has it now, read under a share lock
    (PostgreSQL; on SQLite the writing transaction holds the write lock already)."""
    row = (await session.execute(select(Campaign.phase, Campaign.step).where(Campaign.id == campaign_id)
                                 .with_for_update(read=True))).first()
    if row is None:
        raise NotFound("活动 (campaign)", campaign_id)
    phase_rules.require(action, *row)


@asynccontextmanager
async def phase_guard(session: AsyncSession, campaign_id: int, action: CampaignAction) -> AsyncIterator[None]:
    """Checks the phase rule (on the campaign as this request loaded it; a refusal is checked
    against the database), runs the writes, checks again once they are flushed: by then this
    transaction holds the write lock (SQLite) or a share lock on the campaign row (PostgreSQL),
    so the phase cannot change before the caller commits."""
    campaign = await get_campaign(session, campaign_id)
    if not phase_rules.allows(action, campaign.phase, campaign.step):
        await _refuse_unless_allowed(session, campaign_id, action)
    yield
    await session.flush()
    await _refuse_unless_allowed(session, campaign_id, action)


# ---- teachers' actions ---------------------------------------------------------------------


async def submit_problem(session: AsyncSession, *, campaign_id: int, member: CampaignMember, data: ProblemIn) -> Problem:
    """Its sentence vector is encoded once this has committed (services/campaigns/vector_queue.py)."""
    async with phase_guard(session, campaign_id, CampaignAction.submit_problem):
        problem = Problem(campaign_id=campaign_id, author_user_id=member.user_id, school_id=member.school_id,
                          **data.model_dump())
        session.add(problem)
    return problem


async def get_problem(session: AsyncSession, *, campaign_id: int, problem_id: int) -> Problem:
    problem = await session.get(Problem, problem_id)
    if problem is None or problem.campaign_id != campaign_id or problem.withdrawn_at is not None:
        raise NotFound("问题 (problem)", problem_id)
    return problem


async def edit_problem(session: AsyncSession, *, problem: Problem, data: ProblemUpdate) -> Problem:
    """A new text drops the stored vector in the same transaction; the caller queues the problem
    for a new one once this has committed."""
    text_before = problem_vectors.text_of(problem)
    async with phase_guard(session, problem.campaign_id, CampaignAction.edit_problem):
        for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
            setattr(problem, key, value)
        if problem_vectors.text_of(problem) != text_before:
            await problem_vectors.forget(session, problem_id=problem.id)
    return problem


async def withdraw_problem(session: AsyncSession, *, problem: Problem, now: datetime) -> None:
    """Withdrawn problems stay for the record; their votes go back to the voters' budgets."""
    async with phase_guard(session, problem.campaign_id, CampaignAction.withdraw_problem):
        problem.withdrawn_at = now
        problem.votes = 0
        await session.execute(delete(Vote).where(Vote.problem_id == problem.id))


OWN_PROBLEM = "不能给自己提交的问题投票 (cannot vote for your own problem)"


async def cast_vote(session: AsyncSession, *, problem: Problem, member: CampaignMember) -> bool:
    """Her vote on the problem, once (its primary key): True if this wrote it, False if she had
    voted for it already. Inside the caller's phase guard; the caller counts the budget after it.
    A problem's `updated_at` says when its text changed, so a vote leaves it alone."""
    if problem.author_user_id == member.user_id:
        raise Conflict(OWN_PROBLEM)
    insert_ = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    added = await session.execute(
        insert_(Vote).values(problem_id=problem.id, user_id=member.user_id, campaign_id=problem.campaign_id)
        .on_conflict_do_nothing(index_elements=[Vote.problem_id, Vote.user_id]).returning(Vote.problem_id))
    if added.first() is None:
        return False
    await session.execute(update(Problem).where(Problem.id == problem.id)
                          .values(votes=Problem.votes + 1, updated_at=Problem.updated_at))
    return True


async def votes_left(session: AsyncSession, *, campaign_id: int, member: CampaignMember, budget: int) -> int:
    """Counted after her vote is written, with her other votes locked out (SQLite's write lock; her
    member row on PostgreSQL), so two votes sent at once cannot both take her last one: the 409
    past the budget, the same for a vote and a seconding."""
    await session.execute(select(CampaignMember.user_id).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.user_id == member.user_id).with_for_update())
    used = await session.scalar(select(func.count()).where(Vote.campaign_id == campaign_id,
                                                           Vote.user_id == member.user_id))
    if used > budget:
        raise Conflict(f"投票数已用完（每人 {budget} 票）(vote budget used up)", budget=budget)
    return budget - used


async def vote(session: AsyncSession, *, problem: Problem, member: CampaignMember, budget: int) -> int:
    """Returns the votes the teacher has left."""
    async with phase_guard(session, problem.campaign_id, CampaignAction.vote):
        if not await cast_vote(session, problem=problem, member=member):
            raise Conflict("已经投过票 (already voted for this problem)")
        left = await votes_left(session, campaign_id=problem.campaign_id, member=member, budget=budget)
    return left


async def unvote(session: AsyncSession, *, problem: Problem, user_id: int) -> None:
    """Her seconding of it goes with her vote (it was her vote, with her words)."""
    async with phase_guard(session, problem.campaign_id, CampaignAction.unvote):
        result = await session.execute(delete(Vote).where(Vote.problem_id == problem.id, Vote.user_id == user_id))
        if result.rowcount == 0:
            raise NotFound("投票 (vote)", problem.id)
        await session.execute(delete(ProblemSecond).where(ProblemSecond.problem_id == problem.id,
                                                          ProblemSecond.user_id == user_id))
        await session.execute(update(Problem).where(Problem.id == problem.id)
                              .values(votes=Problem.votes - 1, updated_at=Problem.updated_at))


def checkin_window(training: Training, params: CampaignParams) -> CheckinWindow:
    rule = WindowRule(AttendanceKind.training, params.checkin_opens_before, params.checkin_closes_after)
    return rule.window(starts_at=training.starts_at, ends_at=training.ends_at)


async def check_in(session: AsyncSession, *, training: Training, user_id: int, params: CampaignParams,
                   now: datetime, tz: ZoneInfo) -> CheckIn:
    checkin_window(training, params).require_open(now=now, tz=tz)
    async with phase_guard(session, training.campaign_id, CampaignAction.check_in):
        existing = await session.get(CheckIn, (training.id, user_id))
        if existing is not None:
            return existing
        checkin = CheckIn(training_id=training.id, user_id=user_id, campaign_id=training.campaign_id,
                          checked_in_at=now)
        session.add(checkin)
    return checkin


async def deliver(session: AsyncSession, *, task: Task, data: DeliveryIn, now: datetime) -> Task:
    """Delivering again replaces the summary and links (a better recording, a fixed link)."""
    async with phase_guard(session, task.campaign_id, CampaignAction.deliver_task):
        task.summary, task.links, task.delivered_at = data.summary, data.links, now
    return task


async def mark_stage_done(session: AsyncSession, *, stage: PlanStage, campaign_id: int, by: int,
                          now: datetime) -> PlanStage:
    async with phase_guard(session, campaign_id, CampaignAction.mark_stage_done):
        stage.done_at, stage.done_by = now, by
    return stage


async def reflect(session: AsyncSession, *, campaign_id: int, user_id: int, data: ReflectionIn) -> Reflection:
    """One reflection per teacher; writing again replaces it."""
    if data.topic_id is not None:
        topic = await session.get(Topic, data.topic_id)
        if topic is None or topic.campaign_id != campaign_id:
            raise InvalidField("topic_id", f"专题 {data.topic_id} 不属于此活动 (not a topic of this campaign)")
    async with phase_guard(session, campaign_id, CampaignAction.reflect):
        reflection = await session.scalar(
            select(Reflection).where(Reflection.campaign_id == campaign_id, Reflection.user_id == user_id))
        if reflection is None:
            reflection = Reflection(campaign_id=campaign_id, user_id=user_id, text=data.text, topic_id=data.topic_id)
            session.add(reflection)
        else:
            reflection.text, reflection.topic_id = data.text, data.topic_id
    return reflection


async def write_summary(session: AsyncSession, *, topic: Topic, data: SummaryIn, now: datetime) -> Topic:
    async with phase_guard(session, topic.campaign_id, CampaignAction.write_summary):
        topic.summary_worked, topic.summary_did_not_work, topic.summary_at = data.worked, data.did_not_work, now
    return topic


# ---- checks before a staff decision goes to the workflow -----------------------------------


async def get_topic(session: AsyncSession, *, campaign_id: int, topic_id: int) -> Topic:
    topic = await session.get(Topic, topic_id)
    if topic is None or topic.campaign_id != campaign_id:
        raise NotFound("专题 (topic)", topic_id)
    return topic


async def _outsiders(session: AsyncSession, *, campaign_id: int, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` who may not take part: neither in scope nor staff."""
    members = set(await session.scalars(select(CampaignMember.user_id).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.user_id.in_(user_ids))))
    staff = set(await session.scalars(select(User.id).where(
        User.id.in_(user_ids), User.active, User.role.in_([Role.staff, Role.admin]))))
    return user_ids - members - staff


async def check_topics(session: AsyncSession, *, campaign_id: int, topics: list) -> None:
    problem_ids = [p for t in topics for p in t.problem_ids]
    if len(problem_ids) != len(set(problem_ids)):
        raise InvalidField("topics", "同一问题不能归入两个专题 (a problem belongs to one topic at most)")
    live = set(await session.scalars(live_problems(campaign_id).with_only_columns(Problem.id)
                                     .where(Problem.id.in_(problem_ids))))
    if unknown := sorted(set(problem_ids) - live):
        raise InvalidField("topics", f"问题 {unknown} 不属于此活动 (not problems of this campaign)")
    if strangers := await _outsiders(session, campaign_id=campaign_id, user_ids={t.lead_user_id for t in topics}):
        raise InvalidField("topics", f"负责人 {sorted(strangers)} 既不是范围内教师也不是教研员 (lead not in scope)")


async def check_plan(session: AsyncSession, *, campaign_id: int, plan, now: datetime) -> None:
    if any(stage.due_at <= now for stage in plan.stages):
        raise InvalidField("stages", "阶段截止时间须在将来 (stage due dates must be in the future)")
    assignees = {u for stage in plan.stages for u in stage.assignee_user_ids}
    if strangers := await _outsiders(session, campaign_id=campaign_id, user_ids=assignees):
        raise InvalidField("stages", f"负责人 {sorted(strangers)} 不在活动范围内 (assignees not in scope)")


def campaign_params(campaign: Campaign) -> CampaignParams:
    return CampaignParams(**campaign.params)
