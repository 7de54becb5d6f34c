"""Teacher exchanges (交流轮岗) in the soak: staff agree a few exchanges over HTTP between schools
of different alliances, record the dates of those already back, postpone one before it begins; the
teachers back hand in their return reports (one promptly, one long after it was due, one never),
and staff assess the reports in. At the end the alliances' quotas are read as staff read them.

Time: an exchange's timeline is in days (announce a week before, remind two weeks before the end,
the report due EXCHANGE_REPORT_DUE_DAYS after the return, escalations days after that), and a run
takes at once the steps whose day has passed. So the honest way to bring a timeline inside the term
is the dates themselves: exchanges that ended weeks ago (their report already late: both escalations
go out as soon as the return is recorded), one that ended days ago (the report requested, not yet
late), one in the future postponed (its announcement must follow the new start). The quota
checkpoints fall mid-year and six weeks before its end: only a term spanning one would send them."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import Exchange, School, Teacher
from services.exchanges.steps import timeline
from soak.programmes.base import Programme, Result, Sent, first, notices_keyed

ACTED_BEFORE = timedelta(seconds=1)
STEP_KINDS = ("announce", "end_reminder", "report_request", "report_late_school", "report_late_staff",
              "assessment_due")


@dataclass
class Agreed:
    """One exchange the soak agrees: its dates (days from today) and what its people do."""

    start: int
    end: int
    report: str  # "soon", "late" (after a few minutes), "never"
    postpone_by: int = 0  # days staff move its start
    long: bool = False
    id: int = 0
    teacher_user: int = 0
    body: dict = field(default_factory=dict)
    done: set[str] = field(default_factory=set)


def plan() -> list[Agreed]:
    return [Agreed(-60, -3, "soon"), Agreed(-90, -30, "late"), Agreed(-120, -40, "never"),
            Agreed(20, 50, "never", postpone_by=20), Agreed(10, 400, "never", long=True)]


class Exchanges(Programme):
    name = "exchanges"

    async def setup(self, soak) -> None:
        self.agreed = plan()
        self.changed: dict[int, datetime] = {}  # exchange → when its postponement was acknowledged
        tz = soak.stack.settings.tz
        self.today = datetime.now(tz).date()
        clusters = soak.county.clusters
        async with soak.stack.sessions() as session:
            for n, agreed in enumerate(self.agreed):
                home, host = clusters[n % len(clusters)], clusters[(n + 1) % len(clusters)]
                teacher, agreed.teacher_user = (await session.execute(
                    select(Teacher.id, Teacher.user_id).join(School).where(School.cluster_id == home,
                                                                           Teacher.user_id.is_not(None))
                    .order_by(Teacher.id.desc()).offset(n).limit(1))).one()
                host_school = await session.scalar(select(School.id).where(School.cluster_id == host)
                                                   .order_by(School.id.desc()).limit(1))
                agreed.body = {"teacher_id": teacher, "host_school_id": host_school,
                               "kind": "长期交流" if agreed.long else "短期交流",
                               "planned_start": (self.today + timedelta(days=agreed.start)).isoformat(),
                               "planned_end": (self.today + timedelta(days=agreed.end)).isoformat(),
                               "duties": "承担初二数学教学，参与教研组活动"}
        for agreed in self.agreed:
            answer = await soak.people.call(soak.county.staff, "POST", "/exchanges", who="staff",
                                            what="create_exchange", json=agreed.body,
                                            ack=("exchanges", {"id": lambda b: b["id"]}))
            if answer is None or answer.status_code not in (201, 202):
                raise RuntimeError(f"exchange: {answer and answer.text}")
            agreed.id = answer.json()["id"]
        soak.log(f"exchanges: {len(self.agreed)} agreed")

    async def act(self, soak, now: float) -> None:
        for agreed in self.agreed:
            self.step_once(soak, agreed.id, lambda: self._step(soak, agreed, now))

    async def _step(self, soak, agreed: Agreed, now: float) -> None:
        people, base, staff = soak.people, f"/exchanges/{agreed.id}", soak.county.staff
        async with soak.stack.sessions() as session:
            status = str((await session.get(Exchange, agreed.id)).status)
        elapsed = (now - soak.term_started) / soak.profile.term_seconds
        if agreed.postpone_by and "postpone" not in agreed.done and elapsed > 0.2:
            agreed.done.add("postpone")
            answer = await people.call(staff, "POST", f"{base}/postpone", who="staff", what="postpone_exchange", json={
                "new_start": (self.today + timedelta(days=agreed.start + agreed.postpone_by)).isoformat(),
                "new_end": (self.today + timedelta(days=agreed.end + agreed.postpone_by)).isoformat(),
                "reason": "接收学校调整课表"})
            if answer is not None and answer.status_code == 200:
                self.changed[agreed.id] = datetime.now(timezone.utc)
        if agreed.end < 0 and status == "planned":  # staff record the dates it really took place
            await people.call(staff, "POST", f"{base}/actual-dates", who="staff", what="exchange_dates", json={
                "actual_start": (self.today + timedelta(days=agreed.start)).isoformat(),
                "actual_end": (self.today + timedelta(days=agreed.end)).isoformat()},
                ack=("exchanges", {"id": agreed.id, "actual_end": "<not null>"}))
        elif status == "returned" and (agreed.report == "soon" or (agreed.report == "late" and elapsed > 0.5)) \
                and self.rng.random() < 0.5:
            await people.call(agreed.teacher_user, "PUT", f"{base}/report", who="teacher", what="exchange_report",
                              json={"content": "交流期间上公开课两节，带教青年教师一名"},
                              ack=("exchanges", {"id": agreed.id, "report_submitted_at": "<not null>"}))
        elif status == "reported" and self.rng.random() < 0.3:
            await people.twice_at_once(lambda: people.call(staff, "POST", f"{base}/assessment", who="staff",
                                                           what="assess_exchange", json={
                                                               "teaching_results": "优秀", "local_influence": "良好",
                                                               "collaboration": "良好", "outcome": "reward",
                                                               "comment": "带动作用明显"}))

    # ---- what must hold ----

    async def settled(self, soak) -> bool:
        sent, rows = await self._facts(soak)
        return late_reports_escalate_once(sent, *self._reports(rows, soak.stack.settings)).ok

    async def _facts(self, soak) -> tuple[list[Sent], list[Exchange]]:
        async with soak.stack.sessions() as session:
            sent = await notices_keyed(session, "exchange")
            rows = list(await session.scalars(select(Exchange).where(Exchange.id.in_([a.id for a in self.agreed]))))
        return sent, rows

    def _reports(self, rows: list[Exchange], settings) -> tuple[dict[int, datetime | None], set[int]]:
        """When each report came in, and which are still missing past their due day."""
        reports = {row.id: row.report_submitted_at for row in rows}
        late = {row.id for row in rows if row.actual_end is not None and row.report_submitted_at is None
                and row.actual_end + timedelta(days=settings.exchange_report_due_days) < self.today}
        return reports, late

    async def invariants(self, soak) -> list[Result]:
        settings = soak.stack.settings
        sent, rows = await self._facts(soak)
        steps = {row.id: {step.key for step in timeline(row, settings)} for row in rows}
        reports, late = self._reports(rows, settings)
        answer = await soak.people.call(soak.county.staff, "GET", "/exchanges/quotas", who="staff", what="quotas")
        quotas = answer.json() if answer is not None and answer.status_code == 200 else []
        return [reminders_follow_timeline(sent, steps, self.changed), late_reports_escalate_once(sent, reports, late),
                quota_notices_name_the_shortfall(sent, quotas, target=settings.exchange_long_target)]


def _exchange_step(notice: Sent) -> tuple[int, str] | None:
    """(exchange id, step key) of a timeline notice: "exchange:{id}:{kind}:{day}"."""
    _, exchange, *rest = notice.key.split(":", 2) + [""]
    step = rest[0]
    return (int(exchange), step) if exchange.isdigit() and step.split(":")[0] in STEP_KINDS else None


def reminders_follow_timeline(sent: list[Sent], steps: dict[int, set[str]], changed: dict[int, datetime]) -> Result:
    """Each reminder names a step of its exchange's timeline as it stands; one of a timeline since
    replaced (a postponement) only if it was composed before the change was acknowledged."""
    reminders = [(n, found) for n in sent if (found := _exchange_step(n)) is not None and found[0] in steps]
    stale = [n.key for n, (exchange, step) in reminders if step not in steps[exchange]
             and (exchange not in changed or n.at > changed[exchange] + ACTED_BEFORE)]
    return Result("交流提醒跟随（推迟后的）时间线 exchange reminders follow the (postponed) timeline", not stale,
                  f"{len(reminders)} reminders over {len(steps)} exchanges ({len(changed)} postponed), "
                  f"{len(stale)} off their timeline", first(stale))


def late_reports_escalate_once(sent: list[Sent], reports: dict[int, datetime | None], late: set[int]) -> Result:
    """A report past its due day is escalated once to each level (the home school, then staff), never
    after it came in; every one still missing at the end (`late`) was escalated."""
    escalations: dict[int, list[Sent]] = {}
    for notice in sent:
        if notice.kind == "exchange_report_late" and (found := _exchange_step(notice)) and found[0] in reports:
            escalations.setdefault(found[0], []).append(notice)
    wrong = []
    for exchange, notices in escalations.items():
        levels = [n.data.get("escalated_to") for n in notices]
        if len(levels) != len(set(levels)):
            wrong.append(f"exchange {exchange} escalated {levels}")
        handed_in = reports[exchange]
        wrong += [f"exchange {exchange}: {n.key} after the report" for n in notices
                  if handed_in is not None and handed_in + ACTED_BEFORE < n.at]
    wrong += [f"exchange {e}: late, never escalated" for e in sorted(late) if e not in escalations]
    return Result("迟交总结只催办一次 a late report escalates once", not wrong,
                  f"{len(late)} reports still missing past their day, "
                  f"{sum(map(len, escalations.values()))} escalations, {len(wrong)} wrong",
                  first(wrong))


def quota_notices_name_the_shortfall(sent: list[Sent], quotas: list[dict], *, target: int) -> Result:
    """The alliances' quotas add up (long-term: needed = target − projected), and a quota notice names
    what the quotas hold for its alliance."""
    wrong = [f"cluster {q['cluster_id']}: needed {q['long_term']['needed']} of target {target}, "
             f"projected {q['long_term']['projected']}" for q in quotas
             if q["long_term"]["needed"] != max(0, target - q["long_term"]["projected"])]
    by_cluster = {q["cluster_id"]: q for q in quotas}
    notices = [n for n in sent if n.kind == "exchange_quota_shortfall"]
    for notice in notices:
        quota = by_cluster.get(int(notice.key.rsplit(":", 1)[1]))
        if quota and (notice.data.get("long_needed"), notice.data.get("short_needed")) != (
                quota["long_term"]["needed"], quota["short_term"]["needed"]):
            wrong.append(f"{notice.key}: names {notice.data.get('long_needed')}/{notice.data.get('short_needed')}")
    return Result("名额提醒说出真实缺口 quota notices name the real shortfall", not wrong,
                  f"{len(quotas)} alliances' quotas, {len(notices)} quota notices, {len(wrong)} wrong", first(wrong))
