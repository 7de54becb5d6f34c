"""The phase-rule table against the product: a campaign walked through every phase and step on
the time-skipping server; at each one, every action the table refuses is refused by the API with
409 naming that phase (teachers' actions by the database guard, staff decisions and plans by the
workflow's validators), and the console offers a button exactly for the actions the table allows.
And who may: each action's routes answer the role matrix's actors as the table's part says."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from contracts.campaigns import phase_rules
from contracts.campaigns.phase_rules import CampaignAction as A
from contracts.campaigns.phase_rules import Part
from models import Campaign, Cluster, Problem, Training, User
from tests.campaign_helpers import (  # noqa: F401  the fixtures: settings, vapi, login
    API, eventually, iso, login, settings, vapi,
)
from tests.test_role_matrix import ADMIN, BOARD, CAMPAIGN, IN, MATRIX, OK, OTHER, OUT, OWNER, PROBLEM, TOPIC
from tests.conftest import console_login

DAY = timedelta(days=1)
# Where the console offers an action: (page, marker in its HTML).
BUTTONS = {
    A.close_phase: ("board", 'id="close-phase"'), A.extend_phase: ("board", '/phase/extend"'),
    A.cancel: ("board", '/cancel"'), A.schedule_training: ("board", 'id="schedule-training"'),
    A.confirm_topics: ("board", "（待确认）"), A.submit_problem: ("teacher", 'id="submit-problem"'),
    A.reflect: ("teacher", '/reflections/new"'), A.vote: ("problems", '/vote"'),
    A.edit_problem: ("own problems", '/edit"'), A.withdraw_problem: ("own problems", '/withdraw"'),
    A.merge_proposals: ("proposals", 'id="merge-proposals"'), A.move_problem: ("proposals", 'id="move-problem"'),
    A.split_proposal: ("proposals", 'id="split-proposal"'), A.name_themes: ("board", 'id="name-theme"'),
}


class Walk:
    """One campaign and the requests that try each action in whatever phase it is in."""

    def __init__(self, vapi, login, session_factory, campaign_id: int) -> None:
        self.vapi, self.login, self.session_factory, self.id = vapi, login, session_factory, campaign_id
        self.base = f"{API}/campaigns/{campaign_id}"
        self.problem_id = self.topic_id = 0
        self.staff_id = 0

    async def state(self) -> tuple[str, str]:
        async with self.session_factory() as session:
            campaign = await session.get(Campaign, self.id)
            return str(campaign.phase), str(campaign.step)

    async def until(self, phase: str, step: str = "open") -> None:
        async def reached():
            return await self.state() == (phase, step)

        await eventually(reached)

    async def attempt(self, action: A):
        """Try the action as the user it belongs to, with a body that is valid in its phase."""
        far = (datetime.now().astimezone() + 365 * DAY).isoformat()
        plan = {"goal": "分层作业", "stages": [{"title": "课例", "due_at": far, "assignee_user_ids": [self.staff_id]}]}
        problem = f"{self.base}/problems/{self.problem_id}"
        requests = {
            A.submit_problem: ("post", f"{self.base}/problems", "t0005", {"title": "新的问题"}),
            A.edit_problem: ("patch", problem, "t0001", {"title": "改过的问题"}),
            A.withdraw_problem: ("delete", problem, "t0001", None),
            A.vote: ("post", f"{problem}/votes", "t0006", None),
            A.unvote: ("delete", f"{problem}/votes", "t0007", None),
            A.second: ("post", f"{problem}/seconds", "t0008", {"comment": "我们也是"}),
            A.find_similar: ("get", f"{self.base}/problems/similar?text=作文", "t0008", None),
            A.name_themes: ("post", f"{self.base}/themes", "staff01", {"title": "习作教学"}),
            A.reflect: ("post", f"{self.base}/reflections", "t0001", {"text": "反思"}),
            A.close_phase: ("post", f"{self.base}/phase/close", "staff01", None),
            A.extend_phase: ("post", f"{self.base}/phase/extend", "staff01", {"until": far}),
            A.cancel: ("post", f"{self.base}/cancel", "staff01", {"reason": "测试"}),
            A.merge_proposals: ("post", f"{self.base}/topic-proposals/merge", "staff01",
                                {"problem_ids": [self.problem_id, self.problem_id]}),
            A.move_problem: ("post", f"{self.base}/topic-proposals/move", "staff01", {"problem_id": self.problem_id}),
            A.split_proposal: ("post", f"{self.base}/topic-proposals/split", "staff01",
                               {"problem_ids": [self.problem_id]}),
            A.confirm_topics: ("post", f"{self.base}/topics", "staff01",
                               {"topics": [{"title": "专题", "problem_ids": [], "lead_user_id": self.staff_id}]}),
            A.schedule_training: ("post", f"{self.base}/trainings", "staff01", {
                "topic_id": self.topic_id, "title": "培训", "expert": "李教授", "starts_at": far,
                "ends_at": (datetime.fromisoformat(far) + timedelta(hours=2)).isoformat(), "place": "报告厅"}),
            A.submit_plan: ("put", f"{self.base}/topics/{self.topic_id}/plan", "staff01", plan),
            A.decide_plan: ("post", f"{self.base}/topics/{self.topic_id}/plan/approve", "staff01", None),
        }
        method, url, username, body = requests[action]
        kwargs = {"json": body} if body is not None else {}
        return await self.vapi.request(method, url, headers=await self.login(username), **kwargs)

    async def console(self, username: str, path: str) -> str:
        await console_login(self.vapi, username, "demo-pass")
        page = await self.vapi.get(path)
        assert page.status_code == 200, page.text
        return page.text

    async def console_post(self, username: str, path: str, data: dict) -> None:
        """Submit a console form as `username` (with the CSRF token its pages carry); it must succeed."""
        html = await self.console(username, f"/console/campaigns/{self.id}")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)
        answer = await self.vapi.post(path, data={"csrf": csrf, **data})
        assert answer.status_code == 303, answer.text

    async def offered(self) -> set[A]:
        pages = {
            "board": await self.console("staff01", f"/console/campaigns/{self.id}"),
            "teacher": await self.console("t0001", f"/console/campaigns/{self.id}"),
            "own problems": await self.console("t0001", f"/console/campaigns/{self.id}/problems"),
            "problems": await self.console("t0006", f"/console/campaigns/{self.id}/problems"),
            "proposals": await self.console("staff01", f"/console/campaigns/{self.id}/topic-proposals"),
        }
        return {action for action, (where, marker) in BUTTONS.items() if marker in pages[where]}


# Actions with their objects in place at a phase (a topic exists only once topics are confirmed);
# allowed ones are not tried here (closing would move on), the console must offer them.
NEEDS_TOPIC = {A.schedule_training, A.submit_plan, A.decide_plan}
TRIED = set(A) - {A.check_in, A.deliver_task, A.mark_stage_done, A.write_summary}


async def _check(walk: Walk) -> None:
    phase, step = await walk.state()
    allowed = phase_rules.allowed_now(phase, step)
    for action in sorted(TRIED - allowed):
        if action in NEEDS_TOPIC and not walk.topic_id:
            continue
        answer = await walk.attempt(action)
        assert answer.status_code == 409, (phase, step, action, answer.text)
        assert answer.json()["phase"] == phase, (action, answer.text)
    expected = {action for action in BUTTONS if action in allowed}
    assert await walk.offered() == expected, (phase, step)


@pytest.mark.heavy
async def test_api_console_and_workflow_follow_the_table(vapi, login, session_factory, ts_env, worker_on):
    async with session_factory() as session:
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        staff_id = await session.scalar(select(User.id).where(User.username == "staff01"))
    async with worker_on(ts_env.client):
        body = {"title": "规则检查", "cluster_ids": [cluster], "grace": iso(DAY),
                "schedule": {p: iso(30 * DAY) for p in ("collect_topics", "train", "design_plan", "practise",
                                                         "reflect")}}
        launched = await vapi.post(f"{API}/campaigns", json=body, headers=await login("staff01"))
        assert launched.status_code == 201, launched.text
        walk = Walk(vapi, login, session_factory, launched.json()["id"])
        walk.staff_id = staff_id
        posted = await vapi.post(f"{walk.base}/problems", json={"title": "学生作文无话可写"},
                                 headers=await login("t0001"))
        walk.problem_id = posted.json()["id"]

        await _check(walk)  # collect_topics, open
        console = f"/console/campaigns/{walk.id}"
        await walk.console_post("t0001", f"{console}/problems/{walk.problem_id}/edit", {"title": "学生习作无话可写"})
        await walk.console_post("t0001", f"{console}/problems", {"title": "写错了，要撤回"})
        async with session_factory() as session:
            titles = dict((await session.execute(select(Problem.title, Problem.id)
                                                 .where(Problem.campaign_id == walk.id))).all())
        assert set(titles) == {"学生习作无话可写", "写错了，要撤回"}
        await walk.console_post("t0001", f"{console}/problems/{titles['写错了，要撤回']}/withdraw", {})
        staff = await login("staff01")
        await vapi.post(f"{walk.base}/phase/close", headers=staff)
        await walk.until("collect_topics", "deciding")
        await _check(walk)
        await walk.console_post("staff01", f"{console}/topic-proposals/move", {"problem_id": str(walk.problem_id)})

        confirmed = await vapi.post(f"{walk.base}/topics", headers=staff, json={"topics": [
            {"title": "作文教学", "problem_ids": [walk.problem_id], "lead_user_id": staff_id}]})
        assert confirmed.status_code == 201, confirmed.text
        walk.topic_id = confirmed.json()[0]["id"]
        await walk.until("train")
        await _check(walk)
        await walk.console_post("staff01", f"{console}/trainings", {
            "topic_id": str(walk.topic_id), "title": "习作教学讲座", "expert": "李教授", "place": "报告厅",
            "starts_at": "2099-03-01T14:00", "ends_at": "2099-03-01T16:00"})
        async with session_factory() as session:
            assert await session.scalar(select(Training.title).where(Training.campaign_id == walk.id)) == "习作教学讲座"

        await vapi.post(f"{walk.base}/phase/close", headers=staff)
        await walk.until("design_plan")
        await _check(walk)

        for action in (A.submit_plan, A.decide_plan):  # approved: the campaign moves to practise
            assert (await walk.attempt(action)).status_code == 200
        await walk.until("practise")
        await _check(walk)

        await vapi.post(f"{walk.base}/phase/close", headers=staff)
        await walk.until("reflect")
        await _check(walk)

        await vapi.post(f"{walk.base}/phase/close", headers=staff)
        await walk.until("completed", "open")
        await _check(walk)


# Each campaign action's routes, API and console.
ROUTES = {
    A.submit_problem: [f"POST {CAMPAIGN}/problems", f"POST {BOARD}/problems"],
    A.edit_problem: [f"PATCH {PROBLEM}", f"POST {BOARD}/problems/{{problem_id}}/edit"],
    A.withdraw_problem: [f"DELETE {PROBLEM}", f"POST {BOARD}/problems/{{problem_id}}/withdraw"],
    A.vote: [f"POST {PROBLEM}/votes", f"POST {BOARD}/problems/{{problem_id}}/vote"],
    A.unvote: [f"DELETE {PROBLEM}/votes", f"POST {BOARD}/problems/{{problem_id}}/unvote"],
    A.second: [f"POST {PROBLEM}/seconds", f"POST {BOARD}/problems/{{problem_id}}/second"],
    A.find_similar: [f"GET {CAMPAIGN}/problems/similar", f"GET {BOARD}/problems/similar"],
    A.name_themes: [f"POST {CAMPAIGN}/themes", f"POST {CAMPAIGN}/themes/last-term",
                    f"DELETE {CAMPAIGN}/themes/{{theme_id}}", f"POST {BOARD}/themes", f"POST {BOARD}/themes/last-term",
                    f"POST {BOARD}/themes/{{theme_id}}/remove"],
    A.check_in: ["POST /api/v1/trainings/{training_id}/checkin", f"POST {BOARD}/trainings/{{training_id}}/checkin"],
    A.deliver_task: ["POST /api/v1/tasks/{task_id}/deliver", "POST /console/tasks/{task_id}/deliver"],
    A.reflect: [f"POST {CAMPAIGN}/reflections", f"POST {BOARD}/reflections"],
    A.submit_plan: [f"PUT {TOPIC}/plan", f"POST {BOARD}/topics/{{topic_id}}/plan"],
    A.mark_stage_done: [f"POST {CAMPAIGN}/stages/{{stage_id}}/done",
                        f"POST {BOARD}/topics/{{topic_id}}/stages/{{stage_id}}/done"],
    A.write_summary: [f"PUT {TOPIC}/summary", f"POST {BOARD}/topics/{{topic_id}}/summary"],
    A.close_phase: [f"POST {CAMPAIGN}/phase/close", f"POST {BOARD}/phase/close"],
    A.extend_phase: [f"POST {CAMPAIGN}/phase/extend", f"POST {BOARD}/phase/extend"],
    A.cancel: [f"POST {CAMPAIGN}/cancel", f"POST {BOARD}/cancel"],
    A.confirm_topics: [f"POST {CAMPAIGN}/topics", f"POST {BOARD}/topics"],
    A.merge_proposals: [f"POST {CAMPAIGN}/topic-proposals/merge", f"POST {BOARD}/topic-proposals/{{how}}"],
    A.move_problem: [f"POST {CAMPAIGN}/topic-proposals/move", f"POST {BOARD}/topic-proposals/{{how}}"],
    A.split_proposal: [f"POST {CAMPAIGN}/topic-proposals/split", f"POST {BOARD}/topic-proposals/{{how}}"],
    A.schedule_training: [f"POST {CAMPAIGN}/trainings", f"POST {BOARD}/trainings"],
    A.decide_plan: [f"POST {TOPIC}/plan/{how}" for how in ("approve", "return")]
                   + [f"POST {BOARD}/topics/{{topic_id}}/plan/{how}" for how in ("approve", "return")],
}
# The parts the role matrix's world gives its actors: t0002 is in scope, wrote the problem, leads
# the topic and holds its task; staff01 launched the campaign; staff02 and t0021 have no part.
PARTS = {IN: {Part.member, Part.author, Part.lead, Part.assignee, Part.reads}, OUT: set(),
         OWNER: {Part.steers, Part.reads}, OTHER: {Part.reads}, ADMIN: {Part.steers, Part.reads}}


def test_the_actions_let_exactly_the_tables_part_act():
    """The actions decide who may (the role matrix proves their answers against the running app);
    here their answers, as the matrix states them, are held to the table's who-may column."""
    for action, routes in ROUTES.items():
        for route in routes:
            expected = {actor: OK if phase_rules.RULES[action].who in parts else 403 for actor, parts in PARTS.items()}
            assert {actor: MATRIX[route].expect[actor] for actor in PARTS} == expected, (action, route)
    assert set(ROUTES) == set(A)
