"""Campaigns (订单式教研) in the soak: staff launch each campaign of the profile over HTTP; teachers
submit, edit and vote while collection is open, check in to the training, deliver their tasks and
reflect, each with the profile's probability on each tick (some never act); staff extend the
collection, confirm the topics (sometimes twice at once), schedule a training, return a plan and
approve the plans (approve and return at once on one), close phases (twice at once), and cancel one
campaign midway. Each step reads where the campaign is from the database, as a person reads a page,
and acts as that page would offer."""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from contracts.limits import MAX_IDS
from models import Campaign, CampaignMember, Problem, Task, Topic, TopicParticipant
from soak.profile import CampaignPlan
from soak.programmes.base import Programme, Result

NOT_NULL = "<not null>"  # in an ack's columns: the column holds something
TEACHER_BATCH = 40  # teachers acting at once per campaign and tick, at most
PROBLEMS = ["学生写作文无话可写，内容空洞", "学生计算能力差，口算笔算错误率高", "课堂提问时学生不主动举手发言",
            "学生课外阅读兴趣不高", "作业布置量大，学生负担重", "学生不会整理错题", "学生书写不规范，字迹潦草",
            "实验课上学生动手操作混乱", "家长不配合，家校沟通困难", "学生读不懂应用题"]


def iso(seconds: float) -> str:
    return f"PT{int(seconds)}S"


@dataclass
class Run:
    """One campaign as its people see it."""

    plan: CampaignPlan
    id: int = 0
    members: list[int] = field(default_factory=list)
    never: set[int] = field(default_factory=set)
    authors: set[int] = field(default_factory=set)
    votes_left: dict[int, int] = field(default_factory=dict)
    problems: list[int] = field(default_factory=list)
    done: set[tuple[str, int]] = field(default_factory=set)  # (step, user or topic) already taken
    training: int | None = None
    launched_at: float = 0.0


class Campaigns(Programme):
    name = "campaigns"

    async def setup(self, soak) -> None:
        self.runs = [Run(plan) for plan in soak.profile.campaigns]
        for run in self.runs:
            await self._launch(soak, run)

    async def _launch(self, soak, run: Run) -> None:
        plan = run.plan
        clusters = soak.county.clusters[: plan.clusters] if plan.clusters else soak.county.clusters
        body = {"title": plan.title, "cluster_ids": clusters, "schedule": {p: iso(s) for p, s in plan.phases.items()},
                "reminder_offsets": [iso(s) for s in plan.reminder_offsets], "grace": iso(plan.grace)}
        response = await soak.people.until_answered(lambda: soak.people.call(
            soak.county.staff, "POST", "/campaigns", who="staff", what="launch_campaign", json=body,
            ack=("campaigns", {"id": lambda b: b["id"]})))
        if response is None or response.status_code not in (201, 202):
            raise RuntimeError(f"launching {plan.title}: {response and response.text}")
        run.id, run.launched_at = response.json()["id"], soak.now()
        async with soak.stack.sessions() as session:
            run.members = list(await session.scalars(select(CampaignMember.user_id)
                                                     .where(CampaignMember.campaign_id == run.id)))
        run.never = {user for user in run.members if self.rng.random() < soak.profile.never_act}
        soak.log(f"campaign {run.id} {plan.title}: {len(run.members)} members, {len(run.never)} never act")

    async def act(self, soak, now: float) -> None:
        for run in self.runs:
            self.step_once(soak, run.id, lambda: self._step(soak, run, now))

    async def _step(self, soak, run: Run, now: float) -> None:
        async with soak.stack.sessions() as session:
            campaign = await session.get(Campaign, run.id)
            phase, step, deadline = str(campaign.phase), str(campaign.step), campaign.deadline
        if phase in ("completed", "cancelled"):
            return
        plan, staff = run.plan, soak.county.staff
        if plan.cancel_at is not None and now - soak.term_started >= plan.cancel_at * soak.profile.term_seconds:
            await soak.people.twice_at_once(lambda: soak.people.call(
                staff, "POST", f"/campaigns/{run.id}/cancel", who="staff", what="cancel",
                json={"reason": "与全区统考冲突，本活动取消"}))
            return
        handler = getattr(self, f"_{phase}_{step}", None)
        if handler is not None:
            await handler(soak, run, now, deadline)

    # ---- each phase as its people see it ----

    def _ready(self, run: Run, users, *, step: str) -> list[int]:
        """Those of `users` who act on this tick: not yet done, not the never-acting, by chance."""
        waiting = [u for u in users if (step, u) not in run.done and u not in run.never]
        return [u for u in self.rng.sample(waiting, len(waiting)) if self.rng.random() < 0.5][:TEACHER_BATCH]

    async def _collect_topics_open(self, soak, run: Run, now, deadline) -> None:
        people, base = soak.people, f"/campaigns/{run.id}"
        halfway = now - run.launched_at > 0.5 * run.plan.phases["collect_topics"]
        if run.plan.extend_collection and ("extend", 0) not in run.done and halfway:
            run.done.add(("extend", 0))
            until = deadline.replace(tzinfo=timezone.utc) + timedelta(seconds=run.plan.extend_collection)
            await people.call(soak.county.staff, "POST", f"{base}/phase/extend", who="staff", what="extend",
                              json={"until": until.isoformat(), "phase": "collect_topics",
                                    "deadline": deadline.replace(tzinfo=timezone.utc).isoformat()})

        async def one(user: int) -> None:
            if user not in run.authors:
                run.done.add(("submit", user))
                text = PROBLEMS[self.rng.randrange(len(PROBLEMS))]
                answer = await people.call(user, "POST", f"{base}/problems", who="teacher", what="submit_problem",
                                           json={"title": text, "grade": "五年级"},
                                           ack=("campaign_problems", {"id": lambda b: b["id"], "author_user_id": user}))
                if answer is not None and answer.status_code == 201:
                    run.authors.add(user)
                    run.problems.append(answer.json()["id"])
                return
            others = [p for p in run.problems[-50:]]
            if others and run.votes_left.get(user, 3) > 0:
                problem = self.rng.choice(others)
                answer = await people.call(user, "POST", f"{base}/problems/{problem}/votes", who="teacher",
                                           what="vote",
                                           ack=("campaign_votes", {"problem_id": problem, "user_id": user}))
                if answer is not None and answer.status_code in (201, 409, 403):
                    run.votes_left[user] = run.votes_left.get(user, 3) - 1
            else:
                run.done.add(("collect", user))

        await asyncio.gather(*(one(u) for u in self._ready(run, run.members, step="collect")))

    async def _collect_topics_deciding(self, soak, run: Run, now, deadline) -> None:
        people, base, staff = soak.people, f"/campaigns/{run.id}", soak.county.staff
        answer = await people.call(staff, "GET", f"{base}/topic-proposals", who="staff", what="read_proposals")
        if answer is None or answer.status_code != 200:
            return
        proposals = answer.json()[:3]
        async with soak.stack.sessions() as session:
            authors = dict((await session.execute(select(Problem.id, Problem.author_user_id)
                                                  .where(Problem.campaign_id == run.id))).all())
        # A proposal of a county's 5,000 teachers may group more problems than a topic holds (the
        # 422 names the field): staff take the first MAX_IDS, as a person reading it would.
        topics = [{"title": f"专题{n + 1}：{p['suggested_title'][:40]}", "problem_ids": p["problem_ids"][:MAX_IDS],
                   "lead_user_id": authors[p["problem_ids"][0]] if n == 0 else soak.county.staff2}
                  for n, p in enumerate(proposals)]
        if not topics:  # nobody wrote anything: staff name one topic themselves
            topics = [{"title": "专题1：课堂提问", "problem_ids": [], "lead_user_id": soak.county.staff2}]
        await people.twice_at_once(lambda: people.call(staff, "POST", f"{base}/topics", who="staff",
                                                       what="confirm_topics", json={"topics": topics}))

    async def _participants(self, soak, run: Run) -> dict[int, list[int]]:
        async with soak.stack.sessions() as session:
            rows = (await session.execute(select(TopicParticipant.topic_id, TopicParticipant.user_id)
                                          .where(TopicParticipant.campaign_id == run.id))).all()
        topics: dict[int, list[int]] = {}
        for topic, user in rows:
            topics.setdefault(topic, []).append(user)
        return topics

    async def _train_open(self, soak, run: Run, now, deadline) -> None:
        people, base = soak.people, f"/campaigns/{run.id}"
        topics = await self._participants(soak, run)
        if ("training", 0) not in run.done and topics:
            run.done.add(("training", 0))
            starts = datetime.now(timezone.utc) + timedelta(seconds=20)
            answer = await people.call(soak.county.staff, "POST", f"{base}/trainings", who="staff",
                                       what="schedule_training", json={
                                           "topic_id": min(topics), "title": "专题培训", "expert": "市教科院 李老师",
                                           "starts_at": starts.isoformat(),
                                           "ends_at": (starts + timedelta(hours=1)).isoformat(), "place": "报告厅"},
                                       ack=("campaign_trainings", {"id": lambda b: b["id"]}))
            if answer is not None and answer.status_code == 201:
                run.training = answer.json()["id"]
        training = run.training
        if training is None:
            return

        async def check_in(user: int) -> None:
            run.done.add(("checkin", user))
            await people.call(user, "POST", f"/trainings/{training}/checkin", who="teacher", what="check_in",
                              ack=("campaign_checkins", {"training_id": training, "user_id": user}))

        await asyncio.gather(*(check_in(u) for u in self._ready(run, topics.get(min(topics), []), step="checkin")))

    async def _design_plan_open(self, soak, run: Run, now, deadline) -> None:
        people, base, staff = soak.people, f"/campaigns/{run.id}", soak.county.staff
        async with soak.stack.sessions() as session:
            topics = list(await session.scalars(select(Topic).where(Topic.campaign_id == run.id).order_by(Topic.id)))
        participants = await self._participants(soak, run)
        practise_end = deadline.replace(tzinfo=timezone.utc) + timedelta(seconds=run.plan.phases["practise"])
        for n, topic in enumerate(topics):
            status, lead = str(topic.plan_status), topic.lead_user_id
            assignees = sorted(set(participants.get(topic.id, [])) - {lead})[:3] or [lead]
            plan = {"goal": "一学期内解决本专题的问题", "stages": [
                {"title": "课例研讨", "due_at": (practise_end - timedelta(seconds=5)).isoformat(),
                 "assignee_user_ids": assignees}]}
            if status in ("missing", "returned"):
                await people.call(lead, "PUT", f"{base}/topics/{topic.id}/plan", who="lead", what="submit_plan",
                                  json=plan, ack=("campaign_plans", {"topic_id": topic.id}))
            elif status == "submitted":
                if run.plan.return_a_plan and n == 0 and ("returned", topic.id) not in run.done:
                    run.done.add(("returned", topic.id))
                    await people.call(staff, "POST", f"{base}/topics/{topic.id}/plan/return", who="staff",
                                      what="return_plan", json={"comment": "阶段目标要可检测"})
                elif n == 1 and ("race", topic.id) not in run.done:
                    run.done.add(("race", topic.id))  # approve and return at once: one is accepted
                    await asyncio.gather(
                        people.call(staff, "POST", f"{base}/topics/{topic.id}/plan/approve", who="staff",
                                    what="approve_plan"),
                        people.call(soak.county.staff2, "POST", f"{base}/topics/{topic.id}/plan/return", who="staff",
                                    what="return_plan", json={"comment": "再补充一个阶段"}))
                else:
                    await people.call(staff, "POST", f"{base}/topics/{topic.id}/plan/approve", who="staff",
                                      what="approve_plan")

    async def _practise_open(self, soak, run: Run, now, deadline) -> None:
        people, base = soak.people, f"/campaigns/{run.id}"
        async with soak.stack.sessions() as session:
            tasks = (await session.execute(select(Task.id, Task.assignee_user_id)
                                           .where(Task.campaign_id == run.id, Task.delivered_at.is_(None)))).all()
            topics = (await session.execute(select(Topic.id, Topic.lead_user_id)
                                            .where(Topic.campaign_id == run.id, Topic.summary_at.is_(None)))).all()
        owner = dict(tasks)
        ready = set(self._ready(run, list(owner.values()), step="deliver"))

        async def deliver(task: int, user: int) -> None:
            run.done.add(("deliver", user))
            await people.call(user, "POST", f"/tasks/{task}/deliver", who="teacher", what="deliver_task",
                              json={"summary": "课例《我的素材本》", "links": ["https://example.org/lesson"]},
                              ack=("campaign_tasks", {"id": task, "delivered_at": NOT_NULL}))

        async def summarise(topic: int, lead: int) -> None:
            run.done.add(("summary", topic))
            await people.call(lead, "PUT", f"{base}/topics/{topic}/summary", who="lead", what="write_summary",
                              json={"worked": "素材本坚持每天记录", "did_not_work": "课外阅读时间不足"})

        await asyncio.gather(*(deliver(t, u) for t, u in tasks if u in ready),
                             *(summarise(t, u) for t, u in topics if ("summary", t) not in run.done))
        if not tasks and ("close", 3) not in run.done:  # everything delivered: staff close, twice at once
            run.done.add(("close", 3))
            await people.twice_at_once(lambda: people.call(
                soak.county.staff, "POST", f"{base}/phase/close", who="staff", what="close_phase",
                json={"phase": "practise"}))

    async def _reflect_open(self, soak, run: Run, now, deadline) -> None:
        people, base = soak.people, f"/campaigns/{run.id}"
        everyone = sorted({u for users in (await self._participants(soak, run)).values() for u in users})

        async def reflect(user: int) -> None:
            run.done.add(("reflect", user))
            await people.call(user, "POST", f"{base}/reflections", who="teacher", what="reflect",
                              json={"text": "学生的素材意识明显增强"},
                              ack=("campaign_reflections", {"id": lambda b: b["id"], "user_id": user}))

        await asyncio.gather(*(reflect(u) for u in self._ready(run, everyone, step="reflect")))

    # ---- what must hold ----

    async def settled(self, soak) -> bool:
        async with soak.stack.sessions() as session:
            phases = list(await session.scalars(
                select(Campaign.phase).where(Campaign.id.in_([r.id for r in self.runs]))))
        return all(str(phase) in ("completed", "cancelled") for phase in phases)

    async def invariants(self, soak) -> list[Result]:
        async with soak.stack.sessions() as session:
            ended = dict((await session.execute(select(Campaign.id, Campaign.phase)
                                                .where(Campaign.id.in_([r.id for r in self.runs])))).all())
        wanted = {run.id: ("cancelled" if run.plan.cancel_at is not None else "completed") for run in self.runs}
        wrong = {cid: f"{ended.get(cid)} (expected {want})" for cid, want in wanted.items()
                 if str(ended.get(cid)) != want}
        return [Result("每个活动按计划结束 campaigns end as planned (completed, or cancelled when staff cancel)",
                       not wrong, f"{len(wanted) - len(wrong)} of {len(wanted)} campaigns",
                       "; ".join(f"campaign {c}: {w}" for c, w in wrong.items()))]
