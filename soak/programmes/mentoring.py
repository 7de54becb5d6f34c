"""Mentor pairs (青蓝工程) in the soak: staff open a programme in the first alliance and pair its
teachers over HTTP; mentors and mentees log what they did together and hand in their stage forms,
each with a set chance per tick (some sides never); once a stage's forms are in, staff give the
verdict (合格, or 待改进 first on some pairs, who then file an improvement plan and are assessed
again; 合格 twice at once on one pair), and end one pair early midway.

Time: a pair's reminders fall on days at 09:00 local (the form reminder MENTORING_FORM_REMINDER_DAYS
before a stage's date, log checks on the 1st of the month, escalations days after), and a run only
plans steps after its start, so no setting or request field brings one inside a 25-minute term.
The shortest honest timeline is the one used: stage dates a week and two months ahead, verdicts as
soon as the forms are in (staff need no date for those), so stages pass for real within the term
while the nudges are judged on whatever the runs send (none, unless the soak crosses 09:00 local)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from contracts.mentoring.history import Side
from models import MentoringLog, MentoringPair, MentoringStageForm, MentoringVerdict, School, Teacher
from soak.programmes.base import Programme, Result, Sent, first, notices_keyed

PAIRS = 8
ACTED_BEFORE = timedelta(seconds=1)  # as soak/invariants.py: an act this long before a notice was seen by it
END_ONE_AT = 0.4  # of the term: staff end one pair early
KEY = "mentoring:pair:"


@dataclass
class Pair:
    id: int
    users: dict[str, int]  # side → the teacher's user id
    never: set[str] = field(default_factory=set)  # sides that never hand in a form
    improve_first: bool = False  # staff answer 待改进 to its first stage once
    done: set[tuple] = field(default_factory=set)


class Mentoring(Programme):
    name = "mentoring"

    async def setup(self, soak) -> None:
        self.pairs: list[Pair] = []
        self.ended: dict[int, datetime] = {}  # pair → when staff's early end was acknowledged
        tz = soak.stack.settings.tz
        today = datetime.now(tz).date()
        year = today.year if today.month >= 9 else today.year - 1
        cluster = soak.county.clusters[0]
        answer = await soak.people.call(soak.county.staff, "POST", "/mentoring/programmes", who="staff",
                                        what="create_mentoring", json={
                                            "cluster_id": cluster, "school_year": f"{year}-{year + 1}",
                                            "stage_dates": [(today + timedelta(days=7)).isoformat(),
                                                            (today + timedelta(days=60)).isoformat()],
                                            "monthly_log_quota": 1},
                                        ack=("mentoring_programmes", {"id": lambda b: b["id"]}))
        if answer is None or answer.status_code != 201:
            raise RuntimeError(f"mentoring programme: {answer and answer.text}")
        programme = answer.json()["id"]
        async with soak.stack.sessions() as session:
            teachers = (await session.execute(select(Teacher.id, Teacher.user_id).join(School)
                                              .where(School.cluster_id == cluster, Teacher.user_id.is_not(None))
                                              .order_by(Teacher.id).limit(2 * PAIRS))).all()
        for n in range(0, len(teachers) - 1, 2):
            (mentor, mentor_user), (mentee, mentee_user) = teachers[n], teachers[n + 1]
            answer = await soak.people.call(soak.county.staff, "POST", f"/mentoring/programmes/{programme}/pairs",
                                            who="staff", what="create_pair", json={
                                                "mentor_teacher_id": mentor, "mentee_teacher_id": mentee,
                                                "subject": "语文", "goals": "一年站稳讲台"},
                                            ack=("mentoring_pairs", {"id": lambda b: b["id"]}))
            if answer is not None and answer.status_code in (201, 202):
                pair = Pair(answer.json()["id"], {Side.mentor: mentor_user, Side.mentee: mentee_user},
                            improve_first=self.rng.random() < 0.3)
                pair.never = {side for side in Side if self.rng.random() < soak.profile.never_act / 2}
                self.pairs.append(pair)
        soak.log(f"mentoring: programme {programme}, {len(self.pairs)} pairs")

    async def act(self, soak, now: float) -> None:
        for pair in self.pairs:
            self.step_once(soak, pair.id, lambda: self._step(soak, pair, now))

    async def _step(self, soak, pair: Pair, now: float) -> None:
        people, base, staff = soak.people, f"/mentoring/pairs/{pair.id}", soak.county.staff
        async with soak.stack.sessions() as session:
            row = await session.get(MentoringPair, pair.id)
            status, stage = str(row.status), row.current_stage
            forms = set(await session.scalars(select(MentoringStageForm.side).where(
                MentoringStageForm.pair_id == pair.id, MentoringStageForm.stage == stage)))
            latest = await session.scalar(select(MentoringVerdict).where(
                MentoringVerdict.pair_id == pair.id, MentoringVerdict.stage == stage)
                .order_by(MentoringVerdict.round.desc()).limit(1))
        if status != "active":
            return
        if pair is self.pairs[-1] and now - soak.term_started >= END_ONE_AT * soak.profile.term_seconds:
            answer = await people.call(staff, "POST", f"{base}/end", who="staff", what="end_pair",
                                       json={"reason": "徒弟调离本校"})
            if answer is not None and answer.status_code == 200:
                self.ended[pair.id] = datetime.now(timezone.utc)
            return
        for side, user in pair.users.items():
            if self.rng.random() < 0.3:
                await people.call(user, "POST", f"{base}/logs", who="teacher", what="mentoring_log", json={
                    "kind": "observe", "happened_on": datetime.now(soak.stack.settings.tz).date().isoformat(),
                    "note": "听课一节，课后交流"},
                    ack=("mentoring_logs", {"id": lambda b: b["id"]}))
            if side not in forms and side not in pair.never and self.rng.random() < 0.25:
                await people.call(user, "PUT", f"{base}/stages/{stage}/form", who="teacher", what="stage_form",
                                  json={"summary": f"第{stage}阶段：听课十节，上公开课一节"},
                                  ack=("mentoring_stage_forms", {"pair_id": pair.id, "stage": stage, "side": side}))
        if len(forms) < len(Side) or pair is self.pairs[-1]:  # the pair to be ended is never assessed
            return
        if latest is not None and latest.verdict != "passed" and not latest.improvement_plan:
            await people.call(pair.users[Side.mentee], "PUT", f"{base}/stages/{stage}/improvement-plan",
                              who="teacher", what="improvement_plan", json={"plan": "每周多听两节课"})
            return
        verdict = {"stage": stage, "verdict": "passed", "comment": "达到阶段目标"}
        if pair.improve_first and stage == 1 and latest is None:
            verdict |= {"verdict": "needs_improvement", "comment": "听课记录不足"}
        if pair is self.pairs[0]:  # two staff members pass it at once: one stage opens
            await people.twice_at_once(lambda: people.call(staff, "POST", f"{base}/stages/{stage}/verdict",
                                                           who="staff", what="verdict", json=verdict))
        else:
            await people.call(staff, "POST", f"{base}/stages/{stage}/verdict", who="staff", what="verdict",
                              json=verdict)

    # ---- what must hold ----

    async def invariants(self, soak) -> list[Result]:
        ids = [pair.id for pair in self.pairs]
        async with soak.stack.sessions() as session:
            sent = await notices_keyed(session, KEY)
            forms = {(p, s, str(side)): at for p, s, side, at in await session.execute(
                select(MentoringStageForm.pair_id, MentoringStageForm.stage, MentoringStageForm.side,
                       MentoringStageForm.submitted_at).where(MentoringStageForm.pair_id.in_(ids)))}
            logs = (await session.execute(select(MentoringLog.pair_id, MentoringLog.side, MentoringLog.happened_on,
                                                 MentoringLog.created_at).where(MentoringLog.pair_id.in_(ids))
                                          .order_by(MentoringLog.created_at))).all()
            pairs = (await session.execute(select(MentoringPair.id, MentoringPair.status, MentoringPair.current_stage)
                                           .where(MentoringPair.id.in_(ids)))).all()
            passed = (await session.execute(select(MentoringVerdict.pair_id, MentoringVerdict.stage)
                                            .where(MentoringVerdict.pair_id.in_(ids),
                                                   MentoringVerdict.verdict == "passed"))).all()
        acted = acted_at(forms, logs, quota=1)
        return [nudges_only_to_the_behind(sent, acted), ended_pairs_silent(sent, self.ended),
                each_pass_opens_one_stage([(p, str(s), c) for p, s, c in pairs], passed, stages=2)]


def acted_at(forms: dict[tuple[int, int, str], datetime], logs, *, quota: int) -> dict[str, datetime]:
    """When each side did what a nudge would ask, by the nudge's key suffix: its stage form in
    ("{pair}:stage{n}:form:reminder:{side}"), its month's quota of logs ("{pair}:logs:{month}:{side}")."""
    acted = {f"{pair}:stage{stage}:form:reminder:{side}": at for (pair, stage, side), at in forms.items()}
    counted: dict[str, list[datetime]] = {}
    for pair, side, happened_on, created_at in logs:
        counted.setdefault(f"{pair}:logs:{happened_on.strftime('%Y-%m')}:{side}", []).append(created_at)
    acted |= {key: times[quota - 1] for key, times in counted.items() if len(times) >= quota}
    return acted


def nudges_only_to_the_behind(sent: list[Sent], acted: dict[str, datetime]) -> Result:
    """No form reminder or log nudge reached a side that had done it before the nudge was composed."""
    nudges = [n for n in sent if n.kind in ("mentoring_form_due", "mentoring_log_nudge")]
    wrong = [n.key for n in nudges if (at := acted.get(n.key.removeprefix(KEY))) is not None
             and at + ACTED_BEFORE < n.at]
    return Result("师徒提醒只发给落后的一方 mentoring nudges only to the side behind when composed", not wrong,
                  f"{len(wrong)} of {len(nudges)} nudges to a side that had acted", first(wrong))


def ended_pairs_silent(sent: list[Sent], ended: dict[int, datetime]) -> Result:
    """After staff's early end was acknowledged, the pair's only notice is the end's own."""
    after = [n.key for n in sent if not n.key.endswith(":ended")
             and (at := ended.get(int(n.key.removeprefix(KEY).split(":")[0]))) is not None and n.at > at + ACTED_BEFORE]
    return Result("提前结束的结对不再收到通知 an ended pair gets nothing after", not after,
                  f"{len(ended)} pairs ended, {len(after)} notices after", first(after))


def each_pass_opens_one_stage(pairs: list[tuple[int, str, int]], passed: list[tuple[int, int]], *,
                              stages: int) -> Result:
    """Each 合格 is one row and moves the pair one stage: an active pair stands one past its passes,
    a completed one has passed every stage, and no stage is passed twice."""
    by_pair: dict[int, list[int]] = {}
    for pair, stage in passed:
        by_pair.setdefault(pair, []).append(stage)
    wrong = []
    for pair, status, current in pairs:
        stages_passed = sorted(by_pair.get(pair, []))
        if status == "completed":
            right = stages_passed == list(range(1, stages + 1))
        else:
            right = stages_passed == list(range(1, current))
        if not right:
            wrong.append(f"pair {pair} {status} at stage {current}, passed {stages_passed}")
    return Result("每个合格只开启一个新阶段 each 合格 opens exactly one next stage", not wrong,
                  f"{len(passed)} passes over {len(pairs)} pairs, {len(wrong)} wrong", first(wrong))
