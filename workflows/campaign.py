"""CampaignWorkflow: one order-style research campaign (订单式教研), an explicit phase machine

    collect_topics → train → design_plan → practise → reflect → completed   (any → cancelled)

Each phase opens (recorded in the database, announced), runs its window until its durable
deadline, an early close, or — for plans — every plan approved, then closes. Teachers' actions
never come here: the API stores them under the phase the activities record. Staff decisions and
topic leads' plans are Updates whose validators refuse what the current phase does not allow.
Reminders name an audience ("who has not acted"), resolved from the database when sent."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.campaigns import CampaignActivities
    from contracts.campaigns.history import (
        ANNOUNCED_OPENINGS, CYCLE, CampaignOutcome, CampaignState, CancelRequest, CloseRequest, ExtendRequest, Phase,
        PhaseChange, PhaseStep, PlanRequest, PlanStatus, PlanSubmission, PlanVerdict, TasksCreated, TopicRef, TopicsConfirmation,
        TopicsRequest, TrainingRef, TrainingRequest, TrainingScheduling, Transition, VerdictRequest,
    )
    from contracts.campaigns import phase_rules
    from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE
    from contracts.notifications.notices import (
        CampaignCancelled, CampaignNotice, CampaignOpened, Escalation, NoticePayload, PhaseOpened, PlanApproved,
        PlanReminder, PlanRequested, PlanReturned, PlanSubmitted, ReflectionReminder, ReportReady, SubmissionReminder,
        TaskAssigned, TaskOverdue, TaskReminder, TopicsConfirmed, TopicsPending, TrainingAbsent, TrainingInvitation,
        TrainingReminder,
    )
    from contracts.campaigns.phase_rules import CampaignAction
    from contracts.notifications.history import Audience, NotifyRequest
    from contracts.runs.history import CANCELLED_FROM_OUTSIDE
    from contracts.search_attributes import PHASE
    from workflows import patches, steps
    from workflows.cancels import cancelled_from_outside
    from workflows.notify import notify

ACTIVITY_OPTIONS = steps.options(
    start_to_close=timedelta(minutes=5),
    retry=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
)


class _Cancelled(Exception):
    """Raised inside the workflow's waits once staff cancelled the campaign."""


def _wrong_phase(message: str, phase: Phase, step: PhaseStep) -> ApplicationError:
    return ApplicationError(message, {"phase": phase.value, "step": step.value}, type=REFUSED_WRONG_PHASE,
                            non_retryable=True)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"field": field}, type=REFUSED_INVALID, non_retryable=True)


def _seconds(offset: timedelta) -> str:
    return f"{int(offset.total_seconds())}s"


_ORDER = [*CYCLE, Phase.completed, Phase.cancelled]
_STEPS = [PhaseStep.open, PhaseStep.deciding, PhaseStep.closed]


def _progress(phase: Phase, step: PhaseStep) -> tuple[int, int]:
    """How far a campaign has got: only ever grows, so "recorded past (phase, open)" means closed."""
    return _ORDER.index(phase), _STEPS.index(step)


@workflow.defn
class CampaignWorkflow:
    @workflow.init
    def __init__(self, state: CampaignState) -> None:
        self.state = state
        self._close_for: tuple[Phase, int] | None = None  # (phase, by whom): an early close not yet carried out
        # The furthest (phase, step) the database has recorded: a close answers once it is past its phase.
        self._recorded = _progress(state.phase, state.step) if state.entered else (-1, 0)
        # Handlers mark what they are doing before their first await, so a second request racing
        # them is refused by the validator instead of doing it twice.
        self._topics_confirmed = bool(state.topics)
        self._confirming_topics = False
        self._plans_busy: set[int] = set()  # topics with a plan being stored or decided
        self._followers: list[asyncio.Task] = []  # training reminders and overdue chasers

    # ---- the phase machine -------------------------------------------------------------

    @workflow.run
    async def run(self, state: CampaignState) -> CampaignOutcome:
        for training in list(self.state.trainings):
            self._follow(self._training_notices(training))
        for due in list(self.state.task_due_dates):
            self._follow(self._chase_overdue(due))
        runners = {Phase.collect_topics: self._collect_topics, Phase.train: self._train,
                   Phase.design_plan: self._design_plan, Phase.practise: self._practise, Phase.reflect: self._reflect}
        try:
            # The phase is read again after every await: a cancel or a close may have come meanwhile.
            while not self.state.phase.is_terminal and self.state.cancel_reason is None:
                if not self.state.entered:
                    await self._enter_phase()
                    await self._continue_as_new_if_long()
                    continue
                await runners[self.state.phase]()
        except _Cancelled:
            pass
        except (asyncio.CancelledError, ActivityError) as error:
            if not cancelled_from_outside(error):
                raise
            # Record it as a cancellation and tell everyone in scope, then end as cancelled.
            if self.state.cancel_reason is None:
                self.state.cancel_reason, self.state.cancelled_by = CANCELLED_FROM_OUTSIDE, None
            await self._end_cancelled()
            raise
        if self.state.cancel_reason is not None:
            await self._end_cancelled()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CampaignOutcome(campaign_id=self.state.campaign_id, phase=self.state.phase, runs=self.state.runs)

    async def _continue_as_new_if_long(self) -> None:
        """Continue as new once the history is long, when no Update is waiting on this loop (a close
        or a cancel answers only after the loop carries it out: those go first)."""
        info = workflow.info()
        if not (info.is_continue_as_new_suggested()
                or info.get_current_history_length() >= self.state.params.history_limit):
            return
        awaited = lambda: self._close_for is not None or self.state.cancel_reason is not None  # noqa: E731
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() or awaited())
        if not awaited():
            workflow.continue_as_new(self.state.model_copy(update={"runs": self.state.runs + 1}))

    async def _end_cancelled(self) -> None:
        """The cancel, once: recorded (unless the Update handler did, as in runs started before
        2026-11-26), then announced."""
        if self.state.phase != Phase.cancelled:
            await self._record_cancel()
        await self._announce_cancel()

    async def _record_cancel(self) -> None:
        self.state.phase, self.state.step, self.state.deadline = Phase.cancelled, PhaseStep.closed, None
        workflow.upsert_search_attributes([PHASE.value_set(Phase.cancelled.value)])
        await self._record(closed_how="cancelled", closed_by=self.state.cancelled_by, reason=self.state.cancel_reason)

    async def _enter_phase(self) -> None:
        phase, now = self.state.phase, workflow.now()
        if phase.is_terminal:
            deadline = None
        else:
            explicit = self.state.params.deadlines.get(phase)
            deadline = max(explicit, now) if explicit else now + self.state.params.durations[phase]
        self.state.deadline, self.state.opened_at, self.state.step = deadline, now, PhaseStep.open
        self.state.deadline_version = 0  # versions count this phase's extensions; keys name the phase
        await self._record(closed_how=self.state.closed_how, closed_by=self.state.closed_by)
        self._raise_if_cancelled()
        workflow.upsert_search_attributes([PHASE.value_set(phase.value)])
        self.state.entered = True
        if phase in ANNOUNCED_OPENINGS:
            await self._notify(f"{phase.value}:opened", self._about(PhaseOpened, phase=phase, due=deadline),
                               audience=self._audience("campaign.participants"), link=self._link())

    async def _record(self, *, closed_how: str | None = None, closed_by: int | None = None,
                      reason: str | None = None) -> None:
        await workflow.execute_activity_method(
            CampaignActivities.record_transition,
            Transition(campaign_id=self.state.campaign_id, phase=self.state.phase, step=self.state.step,
                       deadline=self.state.deadline, at=workflow.now(), closed_how=closed_how, closed_by=closed_by, reason=reason),
            **ACTIVITY_OPTIONS,
        )
        self._recorded = max(self._recorded, _progress(self.state.phase, self.state.step))

    def _raise_if_cancelled(self) -> None:
        if self.state.cancel_reason is not None:
            raise _Cancelled()

    def _carry_out_close(self, how: str) -> int | None:
        """The phase's window ended (`how`): clear a pending early close; who closed it, if early."""
        closed_by = self._close_for[1] if how == "early" and self._close_for else None
        self._close_for = None
        return closed_by

    def _closing(self) -> bool:
        return self._close_for is not None and self._close_for[0] == self.state.phase

    def _advance(self, how: str) -> None:
        """Close the current phase; the loop opens the next."""
        self._raise_if_cancelled()
        self.state.closed_how, self.state.closed_by = how, self._carry_out_close(how)
        position = CYCLE.index(self.state.phase)
        self.state.phase = CYCLE[position + 1] if position + 1 < len(CYCLE) else Phase.completed
        self.state.entered = False

    async def _window(self, reminder: NotifyRequest | None, done: Callable[[], bool] = lambda: False) -> str:
        """The open window of the current phase: fires the reminders at their offsets before the
        deadline (again after an extension), returns "early", "done" or "deadline"."""
        fired: set[str] = set()
        while True:
            self._raise_if_cancelled()
            if self._closing():
                return "early"
            if done():
                return "done"
            deadline, version = self.state.deadline, self.state.deadline_version
            pending = [] if reminder is None else [
                (deadline - offset, offset) for offset in self.state.params.reminder_offsets
                if deadline - offset >= self.state.opened_at and f"{_seconds(offset)}:{version}" not in fired
            ]
            at, offset = min(pending, default=(deadline, None))
            if at > workflow.now():
                await self._wait(lambda: self._closing() or done() or self.state.deadline_version != version, at)
                continue
            if offset is None:
                return "deadline"
            fired.add(f"{_seconds(offset)}:{version}")
            key = f"{reminder.key}:{_seconds(offset)}:v{version}"
            payload = reminder.payload.model_copy(update={"due": deadline})
            await notify(reminder.model_copy(update={"key": key, "payload": payload}))

    async def _wait(self, done: Callable[[], bool], until: datetime | None) -> bool:
        """True once done(), False if `until` passes first; raises _Cancelled on cancel."""
        cancelled = lambda: self.state.cancel_reason is not None  # noqa: E731
        timeout = None if until is None else until - workflow.now()
        if timeout is None or timeout > timedelta(0):
            try:
                await workflow.wait_condition(lambda: done() or cancelled(), timeout=timeout)
            except asyncio.TimeoutError:
                pass
        if cancelled():
            raise _Cancelled()
        return done()

    # ---- the five phases ---------------------------------------------------------------

    async def _collect_topics(self) -> None:
        await self._notify("opened", self._about(CampaignOpened, due=self.state.deadline),
                           audience=self._audience("campaign.members"), link=self._link("problems/new"))
        reminder = self._request("collect_topics:reminder", self._about(SubmissionReminder, due=self.state.deadline),
                                 audience=self._audience("campaign.not_submitted"), link=self._link("problems/new"))
        how = await self._window(reminder)
        closed_by = self._carry_out_close(how)
        # Deciding from here on: validators refuse closes and extensions, teachers' actions stop.
        self.state.step, self.state.deadline = PhaseStep.deciding, workflow.now() + self.state.params.grace
        counts = await workflow.execute_activity_method(
            CampaignActivities.propose_topics, self.state.campaign_id, **ACTIVITY_OPTIONS)
        await self._record(closed_how=how, closed_by=closed_by)
        confirmed = lambda: self._topics_confirmed  # noqa: E731
        pending = self._about(TopicsPending, problems=counts["problems"], topics=counts["topics"])
        await self._notify("topics:pending", pending, user_ids=self.state.staff_user_ids,
                           link=self._link("topic-proposals"))
        # Never pick silently: remind the staff, then escalate to the admins, then keep waiting.
        if not await self._wait(confirmed, workflow.now() + self.state.params.grace):
            await self._notify("topics:reminder", pending, user_ids=self.state.staff_user_ids,
                               link=self._link("topic-proposals"))
            if not await self._wait(confirmed, workflow.now() + self.state.params.grace):
                await self._notify("topics:escalation",
                                   Escalation(about="topics", subject=self.state.title, due=self.state.deadline,
                                              pending=counts["topics"]),
                                   user_ids=self.state.staff_user_ids,
                                   audience=self._audience("campaign.admins", with_campaign=False),
                                   link=self._link("topic-proposals"))
                await self._wait(confirmed, None)
        await self._notify("topics:confirmed", self._about(TopicsConfirmed, topics=[t.title for t in self.state.topics]),
                           audience=self._audience("campaign.participants"), link=self._link())
        self._advance(how="confirmed")

    async def _train(self) -> None:
        self._advance(await self._window(None))

    async def _design_plan(self) -> None:
        for topic in self.state.topics:
            if self.state.plan_status[topic.id] != PlanStatus.approved:
                await self._notify(f"plan:{topic.id}:requested",
                                   self._about(PlanRequested, topic=topic.title, due=self.state.deadline),
                                   user_ids=[topic.lead_user_id], link=self._link(f"topics/{topic.id}/plan"))
        all_approved = lambda: all(s == PlanStatus.approved for s in self.state.plan_status.values())  # noqa: E731
        reminder = self._request("plan:reminder", self._about(PlanReminder, due=self.state.deadline),
                                 audience=self._audience("campaign.plan_missing"), link=self._link())
        while True:
            how = await self._window(reminder, done=all_approved)
            if how != "deadline":
                break
            # Overdue: remind the leads, then escalate to staff; an extension re-opens the window.
            version = self.state.deadline_version
            settled = lambda: all_approved() or self._closing() or self.state.deadline_version != version  # noqa: E731
            await self._notify(f"plan:overdue:v{version}", self._about(PlanReminder, due=self.state.deadline, overdue=True),
                               audience=self._audience("campaign.plan_missing"), link=self._link())
            if not await self._wait(settled, workflow.now() + self.state.params.grace):
                unapproved = sum(s != PlanStatus.approved for s in self.state.plan_status.values())
                escalation = Escalation(about="plans", subject=self.state.title, due=self.state.deadline, pending=unapproved)
                await self._notify(f"plan:escalation:v{version}", escalation, user_ids=self.state.staff_user_ids,
                                   link=self._link())
                await self._wait(settled, None)
            if self.state.deadline_version == version:
                how = "early" if self._closing() else "done"
                break
        self._advance("all_approved" if how == "done" else how)

    async def _practise(self) -> None:
        reminder = self._request("practise:reminder", self._about(TaskReminder, due=self.state.deadline),
                                 audience=self._audience("campaign.undelivered"), link="/console/me/tasks")
        self._advance(await self._window(reminder))

    async def _reflect(self) -> None:
        reminder = self._request("reflect:reminder", self._about(ReflectionReminder, due=self.state.deadline),
                                 audience=self._audience("campaign.not_reflected"), link=self._link("reflections/new"))
        how = await self._window(reminder)
        await workflow.execute_activity_method(CampaignActivities.render_report, args=[self.state.campaign_id, workflow.now()],
                                               **ACTIVITY_OPTIONS)
        self._advance(how)
        await self._enter_phase()
        await self._notify("report", self._about(ReportReady), user_ids=self.state.staff_user_ids,
                           audience=self._audience("campaign.participants"), link=self._link("report"))

    async def _announce_cancel(self) -> None:
        await self._notify("cancelled", self._about(CampaignCancelled, reason=self.state.cancel_reason),
                           user_ids=self.state.staff_user_ids, audience=self._audience("campaign.members"),
                           link=self._link())

    # ---- followers: trainings and overdue tasks ----------------------------------------

    def _follow(self, coroutine) -> None:
        self._followers.append(asyncio.create_task(coroutine))

    async def _training_notices(self, training: TrainingRef) -> None:
        """Invitation now, reminders before it starts, absentees by school after check-in closes."""
        audience = Audience(name="campaign.training_participants", params={"training_id": training.id})
        key = f"training:{training.id}"
        link = self._link(f"trainings/{training.id}")
        about = {"training": training.title, "speaker": training.expert, "starts_at": training.starts_at,
                 "place": training.place}
        try:
            await self._notify(f"{key}:invitation", self._about(TrainingInvitation, **about), audience=audience,
                               link=link)
            for offset in self.state.params.training_reminder_offsets:
                at = training.starts_at - offset
                if at < training.scheduled_at:
                    continue  # scheduled too late for this reminder: the invitation said it
                await self._wait(lambda: False, at)
                await self._notify(f"{key}:reminder:{_seconds(offset)}", self._about(TrainingReminder, **about),
                                   audience=audience, link=link)
            await self._wait(lambda: False, training.ends_at + self.state.params.checkin_closes_after)
            absent = await workflow.execute_activity_method(
                CampaignActivities.training_absentees, training.id, **ACTIVITY_OPTIONS)
            await self._notify(f"{key}:absent", self._about(TrainingAbsent, **about, absentees=absent),
                               user_ids=self.state.staff_user_ids, link=link)
            self.state.trainings.remove(training)
        except _Cancelled:
            return

    async def _chase_overdue(self, due: datetime) -> None:
        """Tasks due at `due` and not delivered: the assignee, then the lead, then staff."""
        params = {"campaign_id": self.state.campaign_id, "due": due.isoformat()}
        grace = self.state.params.grace
        ladder = [
            (due, "assignee", Audience(name="campaign.undelivered", params=params)),
            (due + grace, "lead", Audience(name="campaign.undelivered_leads", params=params)),
            (due + 2 * grace, "staff", None),  # by name, see _escalate_overdue
        ]
        try:
            for at, level, audience in ladder:
                await self._wait(lambda: False, at)
                if self.state.phase not in phase_rules.RULES[CampaignAction.deliver_task].phases:
                    break  # tasks can no longer be delivered: nobody to chase
                key = f"tasks:{due.isoformat()}:overdue:{level}"
                if level == "staff":
                    await self._escalate_overdue(due, key, params)
                else:
                    await self._notify(key, self._about(TaskOverdue, due=due, to_lead=level == "lead"),
                                       audience=audience, link="/console/me/tasks")
            self.state.task_due_dates.remove(due)
        except _Cancelled:
            return

    async def _escalate_overdue(self, due: datetime, key: str, params: dict) -> None:
        """Staff hear who is still overdue, by name; nothing once everyone has delivered."""
        if not workflow.patched(patches.OVERDUE_NAMES.id):
            # A run started before 2026-11-26 keeps its commands: the staff through an audience
            # that is empty once all have delivered, nobody named.
            audience = Audience(name="campaign.staff_if_undelivered",
                                params={**params, "staff_ids": self.state.staff_user_ids})
            await self._notify(key, Escalation(about="tasks", subject=self.state.title, due=due), audience=audience,
                               link=self._link())
            return
        names = await workflow.execute_activity_method(
            CampaignActivities.overdue_assignees, args=[self.state.campaign_id, due], **ACTIVITY_OPTIONS)
        if names:
            await self._notify(key, Escalation(about="tasks", subject=self.state.title, due=due, pending=len(names),
                                               names=names), user_ids=self.state.staff_user_ids, link=self._link())

    # ---- updates: the decisions that steer the flow ------------------------------------

    def _require(self, action: CampaignAction) -> None:
        """The phase-rule table decides; a cancel already accepted refuses everything after it."""
        phase, step = self.state.phase, self.state.step
        if self.state.cancel_reason is not None or not phase_rules.allows(action, phase, step):
            raise _wrong_phase(phase_rules.refusal(action, phase, step).detail, phase, step)

    def _change(self) -> PhaseChange:
        return PhaseChange(phase=self.state.phase, step=self.state.step, deadline=self.state.deadline)

    def _require_seen_phase(self, seen: Phase | None) -> None:
        """The caller acted on the phase it saw; if the campaign has moved on since, say where it is."""
        phase = self.state.phase
        if seen is not None and seen != phase:
            raise _wrong_phase(f"活动当前处于「{phase.label}」阶段，不是「{seen.label}」，请刷新后再操作 "
                               f"(the campaign is in {phase.value}, not {seen.value})", phase, self.state.step)

    @workflow.update
    async def close_phase(self, request: CloseRequest) -> PhaseChange:
        """Answers once the phase is closed and the next step recorded; a second close of the same
        phase joins the first (both learn where the campaign went)."""
        phase = self.state.phase
        if not self._closing():
            self._close_for = (phase, request.user_id)
        await workflow.wait_condition(
            lambda: self.state.cancel_reason is not None or self._recorded > _progress(phase, PhaseStep.open))
        return self._change()

    @close_phase.validator
    def _validate_close(self, request: CloseRequest) -> None:
        self._require(CampaignAction.close_phase)
        self._require_seen_phase(request.phase)

    @workflow.update
    async def extend_phase(self, request: ExtendRequest) -> PhaseChange:
        self.state.deadline, self.state.deadline_version = request.until, self.state.deadline_version + 1
        await self._record()
        return self._change()

    @extend_phase.validator
    def _validate_extend(self, request: ExtendRequest) -> None:
        self._require(CampaignAction.extend_phase)
        self._require_seen_phase(request.phase)
        if request.seen_deadline is not None and request.seen_deadline != self.state.deadline:
            raise _wrong_phase("截止时间刚被修改过，请刷新后再操作 (the deadline has just changed)",
                               self.state.phase, self.state.step)
        if request.until <= max(workflow.now(), self.state.deadline):
            raise _invalid("until", "延长后的截止时间须晚于当前截止时间 (until must be after the current deadline)")

    @workflow.update
    async def cancel(self, request: CancelRequest) -> PhaseChange:
        """Marks the cancel (every wait of the phase loop raises _Cancelled from now on); the loop
        records and announces it, then this answers."""
        self.state.cancel_reason, self.state.cancelled_by = request.reason, request.user_id or None
        if not workflow.patched(patches.CANCEL_IN_LOOP.id):
            await self._record_cancel()  # a run started before 2026-11-26: its handler recorded the cancel
        await workflow.wait_condition(lambda: self._recorded == _progress(Phase.cancelled, PhaseStep.closed))
        return self._change()

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._require(CampaignAction.cancel)

    @workflow.update
    async def confirm_topics(self, request: TopicsRequest) -> list[TopicRef]:
        self._confirming_topics = True
        try:
            topics = await workflow.execute_activity_method(
                CampaignActivities.confirm_topics,
                TopicsConfirmation(campaign_id=self.state.campaign_id, topics=request.topics,
                                   by_user_id=request.user_id, at=workflow.now()),
                **ACTIVITY_OPTIONS,
            )
        finally:
            self._confirming_topics = False
        self.state.topics = topics
        self.state.plan_status = {t.id: PlanStatus.missing for t in topics}
        self._topics_confirmed = True
        return topics

    @confirm_topics.validator
    def _validate_topics(self, request: TopicsRequest) -> None:
        self._require(CampaignAction.confirm_topics)
        if self._topics_confirmed or self._confirming_topics:
            raise _wrong_phase("专题已确认 (topics already confirmed)", self.state.phase, self.state.step)

    @workflow.update
    async def schedule_training(self, request: TrainingRequest) -> TrainingRef:
        training = await workflow.execute_activity_method(
            CampaignActivities.schedule_training,
            TrainingScheduling(campaign_id=self.state.campaign_id, training=request.training, by_user_id=request.user_id,
                               at=workflow.now()),
            **ACTIVITY_OPTIONS,
        )
        if training not in self.state.trainings:
            self.state.trainings.append(training)
            self._follow(self._training_notices(training))
        return training

    @schedule_training.validator
    def _validate_training(self, request: TrainingRequest) -> None:
        self._require(CampaignAction.schedule_training)
        if request.training.topic_id not in self.state.plan_status:
            raise _invalid("topic_id", f"专题 {request.training.topic_id} 不属于此活动 (not a topic of this campaign)")
        if request.training.starts_at <= workflow.now():
            raise _invalid("starts_at", "培训开始时间须在将来 (starts_at must be in the future)")

    @workflow.update
    async def submit_plan(self, request: PlanRequest) -> PlanStatus:
        async with self._plan_busy(request.topic_id):
            await workflow.execute_activity_method(
                CampaignActivities.store_plan,
                PlanSubmission(campaign_id=self.state.campaign_id, topic_id=request.topic_id, plan=request.plan,
                               by_user_id=request.user_id, at=workflow.now()),
                **ACTIVITY_OPTIONS,
            )
        self.state.plan_status[request.topic_id] = PlanStatus.submitted
        count = self.state.plan_submissions[request.topic_id] = self.state.plan_submissions.get(request.topic_id, 0) + 1
        await self._notify(f"plan:{request.topic_id}:submitted:{count}",
                           self._about(PlanSubmitted, topic=self._topic(request.topic_id).title,
                                       author=request.author_name),
                           user_ids=self.state.staff_user_ids, link=self._link(f"topics/{request.topic_id}/plan"))
        return PlanStatus.submitted

    @submit_plan.validator
    def _validate_plan(self, request: PlanRequest) -> None:
        self._require(CampaignAction.submit_plan)
        self._require_topic(request.topic_id)
        self._require_plan_idle(request.topic_id)
        if self.state.plan_status[request.topic_id] == PlanStatus.approved:
            raise _wrong_phase("方案已通过，不能再修改 (plan already approved)", self.state.phase, self.state.step)

    @workflow.update
    async def approve_plan(self, request: VerdictRequest) -> PlanStatus:
        created = await self._decide(request, approve=True)
        topic = self._topic(request.topic_id)
        await self._notify(f"plan:{topic.id}:approved", self._about(PlanApproved, topic=topic.title),
                           user_ids=[topic.lead_user_id], link=self._link(f"topics/{topic.id}/plan"))
        await self._notify(f"plan:{topic.id}:tasks",
                           self._about(TaskAssigned, topic=topic.title, due=min(created.due_dates)),
                           user_ids=created.assignee_user_ids, link="/console/me/tasks")
        for due in created.due_dates:
            if due not in self.state.task_due_dates:
                self.state.task_due_dates.append(due)
                self._follow(self._chase_overdue(due))
        return PlanStatus.approved

    @workflow.update
    async def return_plan(self, request: VerdictRequest) -> PlanStatus:
        await self._decide(request, approve=False)
        topic = self._topic(request.topic_id)
        count = self.state.plan_submissions.get(topic.id, 0)
        await self._notify(f"plan:{topic.id}:returned:{count}",
                           self._about(PlanReturned, topic=topic.title, comment=request.comment),
                           user_ids=[topic.lead_user_id], link=self._link(f"topics/{topic.id}/plan"))
        return PlanStatus.returned

    @approve_plan.validator
    def _validate_approve(self, request: VerdictRequest) -> None:
        self._validate_verdict(request)

    @return_plan.validator
    def _validate_return(self, request: VerdictRequest) -> None:
        self._validate_verdict(request)
        if not request.comment.strip():
            raise _invalid("comment", "退回方案须写明意见 (a returned plan needs a comment)")

    def _validate_verdict(self, request: VerdictRequest) -> None:
        self._require(CampaignAction.decide_plan)
        self._require_topic(request.topic_id)
        self._require_plan_idle(request.topic_id)
        if self.state.plan_status[request.topic_id] != PlanStatus.submitted:
            status = self.state.plan_status[request.topic_id].value
            raise _wrong_phase(f"方案状态为 {status}，没有待审核的方案 (no plan awaiting a decision)",
                               self.state.phase, self.state.step)

    async def _decide(self, request: VerdictRequest, *, approve: bool) -> TasksCreated:
        async with self._plan_busy(request.topic_id):
            created = await workflow.execute_activity_method(
                CampaignActivities.decide_plan,
                PlanVerdict(campaign_id=self.state.campaign_id, topic_id=request.topic_id, approve=approve,
                            comment=request.comment, by_user_id=request.user_id, at=workflow.now()),
                **ACTIVITY_OPTIONS,
            )
            self.state.plan_status[request.topic_id] = PlanStatus.approved if approve else PlanStatus.returned
        return created

    @asynccontextmanager
    async def _plan_busy(self, topic_id: int) -> AsyncIterator[None]:
        """While a plan is stored or decided, other plan requests for the topic are refused."""
        self._plans_busy.add(topic_id)
        try:
            yield
        finally:
            self._plans_busy.discard(topic_id)

    def _require_plan_idle(self, topic_id: int) -> None:
        if topic_id in self._plans_busy:
            raise _wrong_phase("该专题的方案正在处理，请稍后刷新 (a request on this plan is being recorded)",
                               self.state.phase, self.state.step)

    @workflow.query(name="state")
    def current_state(self) -> CampaignState:
        """The campaign as the workflow holds it (for the Temporal UI and CLI: `temporal workflow query`)."""
        return self.state

    # ---- small helpers -----------------------------------------------------------------

    def _require_topic(self, topic_id: int) -> None:
        if topic_id not in self.state.plan_status:
            raise _invalid("topic_id", f"专题 {topic_id} 不属于此活动 (not a topic of this campaign)")

    def _topic(self, topic_id: int) -> TopicRef:
        return next(t for t in self.state.topics if t.id == topic_id)

    def _audience(self, name: str, *, with_campaign: bool = True) -> Audience:
        return Audience(name=name, params={"campaign_id": self.state.campaign_id} if with_campaign else {})

    def _link(self, path: str = "") -> str:
        return f"/console/campaigns/{self.state.campaign_id}" + (f"/{path}" if path else "")

    def _about(self, model: type[CampaignNotice], **fields) -> CampaignNotice:
        """A notice about this campaign: the model's other fields."""
        return model(campaign=self.state.title, **fields)

    def _request(self, key: str, payload: NoticePayload, *, user_ids: list[int] | None = None,
                 audience: Audience | None = None, link: str = "") -> NotifyRequest:
        return NotifyRequest(
            payload=payload, key=f"campaign:{self.state.campaign_id}:{key}", user_ids=user_ids or [], audience=audience,
            link=link, campaign_id=self.state.campaign_id,
        )

    async def _notify(self, key: str, payload: NoticePayload, **kwargs) -> None:
        """Once a cancel is accepted, only the cancellation itself is still sent."""
        if self.state.cancel_reason is None or isinstance(payload, CampaignCancelled):
            await notify(self._request(key, payload, **kwargs))
