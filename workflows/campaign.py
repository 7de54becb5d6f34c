"""CampaignWorkflow: one order-style research campaign (订单式教研), an explicit phase machine

    collect_topics → train → design_plan → practise → reflect → completed   (any → cancelled)

Each phase opens (recorded in the database, announced), runs its window until its durable
deadline, an early close, or — for plans — every plan approved, then closes. Teachers' actions
never come here: the API stores them under the phase the activities record. Staff decisions and
topic leads' plans are Updates whose validators refuse what the current phase does not allow.
Reminders name an audience ("who has not acted"), resolved from the database when sent."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.campaigns import CampaignActivities
    from contracts.campaigns import (
        CYCLE, CampaignOutcome, CampaignState, CancelRequest, CloseRequest, ExtendRequest, Phase, PhaseChange,
        PhaseStep, PlanRequest, PlanStatus, PlanSubmission, PlanVerdict, TasksCreated, TopicRef, TopicsConfirmation,
        TopicsRequest, TrainingRef, TrainingRequest, TrainingScheduling, Transition, VerdictRequest,
    )
    from contracts import phase_rules
    from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE
    from contracts.notifications import Audience, NotificationKind, NotifyRequest
    from contracts.phase_rules import CampaignAction
    from contracts.runs import CANCELLED_FROM_OUTSIDE
    from contracts.search_attributes import PHASE
    from workflows.notify import notify

ACTIVITY_OPTIONS = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


class _Cancelled(Exception):
    """Raised inside the workflow's waits once staff cancelled the campaign."""


def _wrong_phase(message: str, phase: Phase, step: PhaseStep) -> ApplicationError:
    return ApplicationError(message, {"phase": phase.value, "step": step.value}, type=REFUSED_WRONG_PHASE,
                            non_retryable=True)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"field": field}, type=REFUSED_INVALID, non_retryable=True)


def _seconds(offset: timedelta) -> str:
    return f"{int(offset.total_seconds())}s"


@workflow.defn
class CampaignWorkflow:
    @workflow.init
    def __init__(self, state: CampaignState) -> None:
        self.s = state
        self._close_for: tuple[Phase, int] | None = None  # (phase, by whom): an early close not yet carried out
        # The transition count when the last early close was carried out: close_phase answers once
        # the transition after it is recorded (not an earlier one still being written).
        self._closed_at_transition: int | None = None
        self._topics_confirmed = bool(state.topics)
        self._transitions = 0
        self._followers: list[asyncio.Task] = []  # training reminders and overdue chasers

    # ---- the phase machine -------------------------------------------------------------

    @workflow.run
    async def run(self, state: CampaignState) -> CampaignOutcome:
        for training in list(self.s.trainings):
            self._follow(self._training_notices(training))
        for due in list(self.s.task_due_dates):
            self._follow(self._chase_overdue(due))
        runners = {Phase.collect_topics: self._collect_topics, Phase.train: self._train,
                   Phase.design_plan: self._design_plan, Phase.practise: self._practise, Phase.reflect: self._reflect}
        try:
            while not self.s.phase.is_terminal:
                if not self.s.entered:
                    await self._enter_phase()
                    if self._history_is_long():
                        await workflow.wait_condition(workflow.all_handlers_finished)
                        workflow.continue_as_new(self.s.model_copy(update={"runs": self.s.runs + 1}))
                await runners[self.s.phase]()
        except _Cancelled:
            pass
        except asyncio.CancelledError:
            # Cancelled from outside the product (the admin's run console, the Temporal UI or CLI):
            # record it as a cancellation and tell everyone in scope, then end as cancelled.
            await self._cancel(CancelRequest(user_id=0, reason=CANCELLED_FROM_OUTSIDE))
            await self._announce_cancel()
            raise
        if self.s.cancel_reason is not None:
            await self._announce_cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CampaignOutcome(campaign_id=self.s.campaign_id, phase=self.s.phase, runs=self.s.runs)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= self.s.params.history_limit

    async def _enter_phase(self) -> None:
        phase, now = self.s.phase, workflow.now()
        if phase.is_terminal:
            deadline = None
        else:
            explicit = self.s.params.deadlines.get(phase)
            deadline = max(explicit, now) if explicit else now + self.s.params.durations[phase]
        self.s.deadline, self.s.opened_at, self.s.step = deadline, now, PhaseStep.open
        self.s.deadline_version = 0  # versions count this phase's extensions; keys name the phase
        await self._record(closed_how=self.s.closed_how, closed_by=self.s.closed_by)
        workflow.upsert_search_attributes([PHASE.value_set(phase.value)])
        self.s.entered = True
        if phase in (Phase.train, Phase.practise, Phase.reflect):
            await self._notify(NotificationKind.phase_opened, f"{phase.value}:opened",
                               f"进入「{phase.label}」阶段，截止 {self._when(deadline)}",
                               audience=self._audience("campaign.participants"), link=self._link(),
                               data={"phase": phase.label, "due": self._when(deadline)})

    async def _record(self, *, closed_how: str | None = None, closed_by: int | None = None,
                      reason: str | None = None) -> None:
        await workflow.execute_activity_method(
            CampaignActivities.record_transition,
            Transition(campaign_id=self.s.campaign_id, phase=self.s.phase, step=self.s.step, deadline=self.s.deadline,
                       at=workflow.now(), closed_how=closed_how, closed_by=closed_by, reason=reason),
            **ACTIVITY_OPTIONS,
        )
        self._transitions += 1

    def _carry_out_close(self, how: str) -> int | None:
        """The phase's window ended (`how`): clear a pending early close; who closed it, if early."""
        closed_by = self._close_for[1] if how == "early" and self._close_for else None
        if self._close_for is not None:
            self._closed_at_transition = self._transitions
        self._close_for = None
        return closed_by

    def _closing(self) -> bool:
        return self._close_for is not None and self._close_for[0] == self.s.phase

    def _advance(self, how: str) -> None:
        """Close the current phase; the loop opens the next."""
        if self.s.cancel_reason is not None:
            raise _Cancelled()
        self.s.closed_how, self.s.closed_by = how, self._carry_out_close(how)
        position = CYCLE.index(self.s.phase)
        self.s.phase = CYCLE[position + 1] if position + 1 < len(CYCLE) else Phase.completed
        self.s.entered = False

    async def _window(self, reminder: NotifyRequest | None, done: Callable[[], bool] = lambda: False) -> str:
        """The open window of the current phase: fires the reminders at their offsets before the
        deadline (again after an extension), returns "early", "done" or "deadline"."""
        fired: set[str] = set()
        while True:
            if self._closing():
                return "early"
            if done():
                return "done"
            deadline, version = self.s.deadline, self.s.deadline_version
            pending = [] if reminder is None else [
                (deadline - offset, offset) for offset in self.s.params.reminder_offsets
                if deadline - offset >= self.s.opened_at and f"{_seconds(offset)}:{version}" not in fired
            ]
            at, offset = min(pending, default=(deadline, None))
            if at > workflow.now():
                await self._wait(lambda: self._closing() or done() or self.s.deadline_version != version, at)
                continue
            if offset is None:
                return "deadline"
            fired.add(f"{_seconds(offset)}:{version}")
            key = f"{reminder.key}:{_seconds(offset)}:v{version}"
            await notify(reminder.model_copy(update={"key": key, "data": {**reminder.data, "due": deadline.isoformat()}}))

    async def _wait(self, done: Callable[[], bool], until: datetime | None) -> bool:
        """True once done(), False if `until` passes first; raises _Cancelled on cancel."""
        cancelled = lambda: self.s.cancel_reason is not None  # noqa: E731
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
        await self._notify(NotificationKind.campaign_opened, "opened",
                           f"教研活动「{self.s.title}」开始征集教学问题，截止 {self._when(self.s.deadline)}",
                           audience=self._audience("campaign.members"), link=self._link("problems/new"),
                           data={"due": self._when(self.s.deadline)})
        reminder = self._request(NotificationKind.submission_reminder, "collect_topics:reminder",
                                 "您还没有提交教学问题，征集即将截止", audience=self._audience("campaign.not_submitted"),
                                 link=self._link("problems/new"))
        how = await self._window(reminder)
        closed_by = self._carry_out_close(how)
        # Deciding from here on: validators refuse closes and extensions, teachers' actions stop.
        self.s.step, self.s.deadline = PhaseStep.deciding, workflow.now() + self.s.params.grace
        counts = await workflow.execute_activity_method(
            CampaignActivities.propose_topics, self.s.campaign_id, **ACTIVITY_OPTIONS)
        await self._record(closed_how=how, closed_by=closed_by)
        confirmed = lambda: self._topics_confirmed  # noqa: E731
        await self._notify(NotificationKind.topics_pending, "topics:pending",
                           f"问题征集已截止，系统建议 {counts['topics']} 个专题，请确认", user_ids=self.s.staff_user_ids,
                           link=self._link("topic-proposals"), data=counts)
        # Never pick silently: remind the staff, then escalate to the admins, then keep waiting.
        if not await self._wait(confirmed, workflow.now() + self.s.params.grace):
            await self._notify(NotificationKind.topics_pending, "topics:reminder",
                               "专题尚未确认，请尽快确认", user_ids=self.s.staff_user_ids,
                               link=self._link("topic-proposals"), data=counts)
            if not await self._wait(confirmed, workflow.now() + self.s.params.grace):
                await self._notify(NotificationKind.escalation, "topics:escalation",
                                   f"教研活动「{self.s.title}」的专题逾期未确认", user_ids=self.s.staff_user_ids,
                                   audience=self._audience("campaign.admins", with_campaign=False),
                                   link=self._link("topic-proposals"),
                                   data={"subject": "确认专题", "due": self._when(self.s.deadline),
                                         "pending": counts["topics"]})
                await self._wait(confirmed, None)
        await self._notify(NotificationKind.topics_confirmed, "topics:confirmed",
                           "专题已确定：" + "、".join(t.title for t in self.s.topics),
                           audience=self._audience("campaign.participants"), link=self._link(),
                           data={"topics": [t.title for t in self.s.topics]})
        self._advance(how="confirmed")

    async def _train(self) -> None:
        self._advance(await self._window(None))

    async def _design_plan(self) -> None:
        for topic in self.s.topics:
            if self.s.plan_status[topic.id] != PlanStatus.approved:
                await self._notify(NotificationKind.plan_requested, f"plan:{topic.id}:requested",
                                   f"请为专题「{topic.title}」提交研究方案，截止 {self._when(self.s.deadline)}",
                                   user_ids=[topic.lead_user_id], link=self._link(f"topics/{topic.id}/plan"),
                                   data={"topic": topic.title, "due": self._when(self.s.deadline)})
        all_approved = lambda: all(s == PlanStatus.approved for s in self.s.plan_status.values())  # noqa: E731
        reminder = self._request(NotificationKind.plan_reminder, "plan:reminder", "研究方案即将截止，请尽快提交",
                                 audience=self._audience("campaign.plan_missing"), link=self._link(),
                                 data={"topic": self.s.title})
        while True:
            how = await self._window(reminder, done=all_approved)
            if how != "deadline":
                break
            # Overdue: remind the leads, then escalate to staff; an extension re-opens the window.
            version = self.s.deadline_version
            settled = lambda: all_approved() or self._closing() or self.s.deadline_version != version  # noqa: E731
            await self._notify(NotificationKind.plan_reminder, f"plan:overdue:v{version}", "研究方案已逾期，请尽快提交",
                               audience=self._audience("campaign.plan_missing"), link=self._link(),
                               data={"topic": self.s.title, "due": self._when(self.s.deadline)})
            if not await self._wait(settled, workflow.now() + self.s.params.grace):
                await self._notify(NotificationKind.escalation, f"plan:escalation:v{version}",
                                   f"教研活动「{self.s.title}」有研究方案逾期未通过", user_ids=self.s.staff_user_ids,
                                   link=self._link(), data={
                                       "subject": "研究方案", "due": self._when(self.s.deadline),
                                       "pending": sum(s != PlanStatus.approved for s in self.s.plan_status.values())})
                await self._wait(settled, None)
            if self.s.deadline_version == version:
                how = "early" if self._closing() else "done"
                break
        self._advance("all_approved" if how == "done" else how)

    async def _practise(self) -> None:
        reminder = self._request(NotificationKind.task_reminder, "practise:reminder", "研讨实践即将截止，请提交任务成果",
                                 audience=self._audience("campaign.undelivered"), link="/console/me/tasks")
        self._advance(await self._window(reminder))

    async def _reflect(self) -> None:
        reminder = self._request(NotificationKind.reflection_reminder, "reflect:reminder", "请提交本次教研的反思",
                                 audience=self._audience("campaign.not_reflected"), link=self._link("reflections/new"),
                                 data={"topic": self.s.title})
        how = await self._window(reminder)
        await workflow.execute_activity_method(CampaignActivities.render_report, args=[self.s.campaign_id, workflow.now()],
                                               **ACTIVITY_OPTIONS)
        self._advance(how)
        await self._enter_phase()
        await self._notify(NotificationKind.report_ready, "report", f"教研活动「{self.s.title}」已结束，报告已生成",
                           user_ids=self.s.staff_user_ids, audience=self._audience("campaign.participants"),
                           link=self._link("report"))

    async def _announce_cancel(self) -> None:
        await self._notify(NotificationKind.campaign_cancelled, "cancelled",
                           f"教研活动「{self.s.title}」已取消：{self.s.cancel_reason}",
                           user_ids=self.s.staff_user_ids, audience=self._audience("campaign.members"), link=self._link(),
                           data={"reason": self.s.cancel_reason})

    # ---- followers: trainings and overdue tasks ----------------------------------------

    def _follow(self, coroutine) -> None:
        self._followers.append(asyncio.create_task(coroutine))

    async def _training_notices(self, training: TrainingRef) -> None:
        """Invitation now, reminders before it starts, absentees by school after check-in closes."""
        audience = Audience(name="campaign.training_participants", params={"training_id": training.id})
        key = f"training:{training.id}"
        about = {"training": training.title, "speaker": training.expert, "starts_at": self._when(training.starts_at),
                 "place": training.place}
        try:
            await self._notify(NotificationKind.training_invitation, f"{key}:invitation",
                               f"培训邀请：{training.title}，{self._when(training.starts_at)} 开始",
                               audience=audience, link=self._link(f"trainings/{training.id}"), data=about)
            for offset in self.s.params.training_reminder_offsets:
                at = training.starts_at - offset
                if at < training.scheduled_at:
                    continue  # scheduled too late for this reminder: the invitation said it
                await self._wait(lambda: False, at)
                await self._notify(NotificationKind.training_reminder, f"{key}:reminder:{_seconds(offset)}",
                                   f"培训提醒：{training.title} 将于 {self._when(training.starts_at)} 开始",
                                   audience=audience, link=self._link(f"trainings/{training.id}"), data=about)
            await self._wait(lambda: False, training.ends_at + self.s.params.checkin_closes_after)
            absent = await workflow.execute_activity_method(
                CampaignActivities.training_absentees, training.id, **ACTIVITY_OPTIONS)
            by_school = "；".join(f"{school} {len(names)} 人" for school, names in absent.items()) or "无"
            await self._notify(NotificationKind.training_absent, f"{key}:absent",
                               f"培训「{training.title}」缺席情况：{by_school}", user_ids=self.s.staff_user_ids,
                               data={**about, "absent": absent}, link=self._link(f"trainings/{training.id}"))
            self.s.trainings.remove(training)
        except _Cancelled:
            return

    async def _chase_overdue(self, due: datetime) -> None:
        """Tasks due at `due` and not delivered: the assignee, then the lead, then staff."""
        params = {"campaign_id": self.s.campaign_id, "due": due.isoformat()}
        grace = self.s.params.grace
        ladder = [
            (due, "assignee", NotificationKind.task_overdue, Audience(name="campaign.undelivered", params=params)),
            (due + grace, "lead", NotificationKind.task_overdue,
             Audience(name="campaign.undelivered_leads", params=params)),
            (due + 2 * grace, "staff", NotificationKind.escalation,
             Audience(name="campaign.staff_if_undelivered", params={**params, "staff_ids": self.s.staff_user_ids})),
        ]
        try:
            for at, level, kind, audience in ladder:
                await self._wait(lambda: False, at)
                if self.s.phase not in phase_rules.RULES[CampaignAction.deliver_task].phases:
                    break  # tasks can no longer be delivered: nobody to chase
                await self._notify(kind, f"tasks:{due.isoformat()}:overdue:{level}",
                                   f"任务已于 {self._when(due)} 到期仍未提交成果", audience=audience,
                                   link="/console/me/tasks", data={"topic": self.s.title, "task": "研究任务",
                                                                   "due": self._when(due), "subject": "研究任务"})
            self.s.task_due_dates.remove(due)
        except _Cancelled:
            return

    # ---- updates: the decisions that steer the flow ------------------------------------

    def _require(self, action: CampaignAction) -> None:
        """The phase-rule table decides; a cancel already accepted refuses everything after it."""
        if self.s.cancel_reason is not None or not phase_rules.allows(action, self.s.phase, self.s.step):
            raise _wrong_phase(phase_rules.refusal(action, self.s.phase, self.s.step).detail, self.s.phase, self.s.step)

    def _change(self) -> PhaseChange:
        return PhaseChange(phase=self.s.phase, step=self.s.step, deadline=self.s.deadline)

    @workflow.update
    async def close_phase(self, request: CloseRequest) -> PhaseChange:
        self._close_for, self._closed_at_transition = (self.s.phase, request.user_id), None
        await workflow.wait_condition(lambda: self.s.cancel_reason is not None or (
            self._closed_at_transition is not None and self._transitions > self._closed_at_transition))
        return self._change()

    @close_phase.validator
    def _validate_close(self, request: CloseRequest) -> None:
        self._require(CampaignAction.close_phase)

    @workflow.update
    async def extend_phase(self, request: ExtendRequest) -> PhaseChange:
        self.s.deadline, self.s.deadline_version = request.until, self.s.deadline_version + 1
        await self._record()
        return self._change()

    @extend_phase.validator
    def _validate_extend(self, request: ExtendRequest) -> None:
        self._require(CampaignAction.extend_phase)
        if request.until <= max(workflow.now(), self.s.deadline):
            raise _invalid("until", "延长后的截止时间须晚于当前截止时间 (until must be after the current deadline)")

    @workflow.update
    async def cancel(self, request: CancelRequest) -> PhaseChange:
        # Every wait of the phase machine raises _Cancelled from now on.
        await self._cancel(request)
        return self._change()

    async def _cancel(self, request: CancelRequest) -> None:
        self.s.cancel_reason, self.s.cancelled_by = request.reason, request.user_id or None
        self.s.phase, self.s.step, self.s.deadline = Phase.cancelled, PhaseStep.closed, None
        workflow.upsert_search_attributes([PHASE.value_set(Phase.cancelled.value)])
        await self._record(closed_how="cancelled", closed_by=request.user_id or None, reason=request.reason)

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._require(CampaignAction.cancel)

    @workflow.update
    async def confirm_topics(self, request: TopicsRequest) -> list[TopicRef]:
        topics = await workflow.execute_activity_method(
            CampaignActivities.confirm_topics,
            TopicsConfirmation(campaign_id=self.s.campaign_id, topics=request.topics, by_user_id=request.user_id,
                               at=workflow.now()),
            **ACTIVITY_OPTIONS,
        )
        self.s.topics = topics
        self.s.plan_status = {t.id: PlanStatus.missing for t in topics}
        self._topics_confirmed = True
        return topics

    @confirm_topics.validator
    def _validate_topics(self, request: TopicsRequest) -> None:
        self._require(CampaignAction.confirm_topics)
        if self._topics_confirmed:
            raise _wrong_phase("专题已确认 (topics already confirmed)", self.s.phase, self.s.step)

    @workflow.update
    async def schedule_training(self, request: TrainingRequest) -> TrainingRef:
        training = await workflow.execute_activity_method(
            CampaignActivities.schedule_training,
            TrainingScheduling(campaign_id=self.s.campaign_id, training=request.training, by_user_id=request.user_id,
                               at=workflow.now()),
            **ACTIVITY_OPTIONS,
        )
        if training not in self.s.trainings:
            self.s.trainings.append(training)
            self._follow(self._training_notices(training))
        return training

    @schedule_training.validator
    def _validate_training(self, request: TrainingRequest) -> None:
        self._require(CampaignAction.schedule_training)
        if request.training.topic_id not in self.s.plan_status:
            raise _invalid("topic_id", f"专题 {request.training.topic_id} 不属于此活动 (not a topic of this campaign)")
        if request.training.starts_at <= workflow.now():
            raise _invalid("starts_at", "培训开始时间须在将来 (starts_at must be in the future)")

    @workflow.update
    async def submit_plan(self, request: PlanRequest) -> PlanStatus:
        await workflow.execute_activity_method(
            CampaignActivities.store_plan,
            PlanSubmission(campaign_id=self.s.campaign_id, topic_id=request.topic_id, plan=request.plan,
                           by_user_id=request.user_id, at=workflow.now()),
            **ACTIVITY_OPTIONS,
        )
        self.s.plan_status[request.topic_id] = PlanStatus.submitted
        count = self.s.plan_submissions[request.topic_id] = self.s.plan_submissions.get(request.topic_id, 0) + 1
        await self._notify(NotificationKind.plan_submitted, f"plan:{request.topic_id}:submitted:{count}",
                           f"专题「{self._topic(request.topic_id).title}」的研究方案已提交，请审核",
                           user_ids=self.s.staff_user_ids, link=self._link(f"topics/{request.topic_id}/plan"),
                           data={"topic": self._topic(request.topic_id).title, "author": request.author_name})
        return PlanStatus.submitted

    @submit_plan.validator
    def _validate_plan(self, request: PlanRequest) -> None:
        self._require(CampaignAction.submit_plan)
        self._require_topic(request.topic_id)
        if self.s.plan_status[request.topic_id] == PlanStatus.approved:
            raise _wrong_phase("方案已通过，不能再修改 (plan already approved)", self.s.phase, self.s.step)

    @workflow.update
    async def approve_plan(self, request: VerdictRequest) -> PlanStatus:
        created = await self._decide(request, approve=True)
        topic = self._topic(request.topic_id)
        await self._notify(NotificationKind.plan_approved, f"plan:{topic.id}:approved",
                           f"专题「{topic.title}」的研究方案已通过", user_ids=[topic.lead_user_id],
                           link=self._link(f"topics/{topic.id}/plan"), data={"topic": topic.title})
        await self._notify(NotificationKind.task_assigned, f"plan:{topic.id}:tasks",
                           f"专题「{topic.title}」给您分配了研究任务", user_ids=created.assignee_user_ids,
                           link="/console/me/tasks", data={"topic": topic.title, "task": "研究任务",
                                                           "due": self._when(min(created.due_dates))})
        for due in created.due_dates:
            if due not in self.s.task_due_dates:
                self.s.task_due_dates.append(due)
                self._follow(self._chase_overdue(due))
        return PlanStatus.approved

    @workflow.update
    async def return_plan(self, request: VerdictRequest) -> PlanStatus:
        await self._decide(request, approve=False)
        topic = self._topic(request.topic_id)
        count = self.s.plan_submissions.get(topic.id, 0)
        await self._notify(NotificationKind.plan_returned, f"plan:{topic.id}:returned:{count}",
                           f"专题「{topic.title}」的研究方案被退回：{request.comment}", user_ids=[topic.lead_user_id],
                           data={"topic": topic.title, "comment": request.comment},
                           link=self._link(f"topics/{topic.id}/plan"))
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
        if self.s.plan_status[request.topic_id] != PlanStatus.submitted:
            status = self.s.plan_status[request.topic_id].value
            raise _wrong_phase(f"方案状态为 {status}，没有待审核的方案 (no plan awaiting a decision)",
                               self.s.phase, self.s.step)

    async def _decide(self, request: VerdictRequest, *, approve: bool) -> TasksCreated:
        created = await workflow.execute_activity_method(
            CampaignActivities.decide_plan,
            PlanVerdict(campaign_id=self.s.campaign_id, topic_id=request.topic_id, approve=approve,
                        comment=request.comment, by_user_id=request.user_id, at=workflow.now()),
            **ACTIVITY_OPTIONS,
        )
        self.s.plan_status[request.topic_id] = PlanStatus.approved if approve else PlanStatus.returned
        return created

    @workflow.query
    def state(self) -> CampaignState:
        return self.s

    # ---- small helpers -----------------------------------------------------------------

    def _require_topic(self, topic_id: int) -> None:
        if topic_id not in self.s.plan_status:
            raise _invalid("topic_id", f"专题 {topic_id} 不属于此活动 (not a topic of this campaign)")

    def _topic(self, topic_id: int) -> TopicRef:
        return next(t for t in self.s.topics if t.id == topic_id)

    def _audience(self, name: str, *, with_campaign: bool = True) -> Audience:
        return Audience(name=name, params={"campaign_id": self.s.campaign_id} if with_campaign else {})

    def _link(self, path: str = "") -> str:
        return f"/console/campaigns/{self.s.campaign_id}" + (f"/{path}" if path else "")

    def _when(self, at: datetime | None) -> str:
        return at.isoformat() if at else ""

    def _request(self, kind: NotificationKind, key: str, title: str, *, user_ids: list[int] | None = None,
                 audience: Audience | None = None, data: dict | None = None, link: str = "") -> NotifyRequest:
        return NotifyRequest(
            kind=kind, key=f"campaign:{self.s.campaign_id}:{key}", user_ids=user_ids or [], audience=audience,
            data={"title": title, "campaign": self.s.title, **(data or {})}, link=link,
            campaign_id=self.s.campaign_id,
        )

    async def _notify(self, kind: NotificationKind, key: str, title: str, **kwargs) -> None:
        await notify(self._request(kind, key, title, **kwargs))
