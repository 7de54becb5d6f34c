"""The alliance evaluation (教联体考评) in the soak: near the term's end staff open a round for the
first alliance over HTTP, and its run counts the soak's own records (sessions and check-ins,
campaign work, exchanges, library resources and borrowings, mentoring verdicts); staff read it and
try to publish it early (a 409 is due: a round is published only once its review has closed).

Time: a round collects until the day after its term's last day (local midnight), reviews for at
least REVIEW_DAYS ≥ 1 day, and only then may staff score and publish; a term_end already past is
refused. So the shortest honest timeline ends the round's term today: the count runs for real over
the soak's records at its opening, and the review, scoring and publishing fall on later days. The
frozen-round check judges every published round the soak finds (none, unless its database holds
one from a longer run) and the early publish's refusal."""

from datetime import date, datetime

from sqlalchemy import column, select, table

from models import EvaluationRound, EvaluationValue
from soak.programmes.base import Programme, Result, first

OPEN_AT = 0.75  # of the term
# "kind:id" of a value's records → the table and column that hold it (services/evaluation/sources)
RECORD_TABLES = {
    "session": ("series_sessions", "id"), "checkin": ("session_checkins", "id"), "campaign": ("campaigns", "id"),
    "topic": ("campaign_topics", "id"), "reflection": ("campaign_reflections", "id"), "exchange": ("exchanges", "id"),
    "resource": ("library_resources", "id"), "borrowing": ("library_borrowings", "id"),
    "mentoring_verdict": ("mentoring_verdicts", "id"), "survey_response": ("evaluation_survey_responses", "id"),
    "entry": ("evaluation_values", "id"),
}


def school_term(today: date) -> tuple[str, date]:
    """The school term today falls in, as a round names it (2026-2027-1), and its first day."""
    if today.month >= 9 or today.month == 1:
        year = today.year if today.month >= 9 else today.year - 1
        return f"{year}-{year + 1}-1", date(year, 9, 1)
    return f"{today.year - 1}-{today.year}-2", date(today.year, 2, 1)


class Evaluation(Programme):
    name = "evaluation"

    async def setup(self, soak) -> None:
        self.round: int | None = None
        self.early_publish: int | None = None  # the status answered to publishing before the review closed

    async def act(self, soak, now: float) -> None:
        if self.round is None and now - soak.term_started >= OPEN_AT * soak.profile.term_seconds:
            self.round = 0  # opening: once
            soak.spawn(self._open(soak))

    async def _open(self, soak) -> None:
        people, staff = soak.people, soak.county.staff
        today = datetime.now(soak.stack.settings.tz).date()
        term, starts = school_term(today)
        answer = await people.call(staff, "POST", "/evaluation/rounds", who="staff", what="open_round", json={
            "cluster_id": soak.county.clusters[0], "term": term, "term_start": starts.isoformat(),
            "term_end": today.isoformat(), "review_days": 1, "reminder_days": [1]},
            ack=("evaluation_rounds", {"id": lambda b: b["id"]}))
        if answer is None or answer.status_code not in (201, 202):
            soak.log(f"evaluation: the round was not opened: {answer and answer.status_code}")
            return
        self.round = answer.json()["id"]
        answer = await people.call(staff, "POST", f"/evaluation/rounds/{self.round}/publish", who="staff",
                                   what="publish_round")
        self.early_publish = answer.status_code if answer is not None else 0
        soak.log(f"evaluation: round {self.round} opened; publishing it early answered {self.early_publish}")

    # ---- what must hold ----

    async def invariants(self, soak) -> list[Result]:
        async with soak.stack.sessions() as session:
            values = (await session.execute(select(EvaluationValue.id, EvaluationValue.round_id,
                                                   EvaluationValue.indicator, EvaluationValue.value,
                                                   EvaluationValue.records))).all()
            missing = await missing_records(session, [r for v in values for r in v.records])
            published = list(await session.scalars(select(EvaluationRound.id)
                                                   .where(EvaluationRound.published_at.is_not(None))))
        reads = {}
        for round_id in published:  # read twice, a write tried between: nothing moves
            first = await soak.people.call(soak.county.staff, "GET", f"/evaluation/rounds/{round_id}", who="staff",
                                           what="read_round")
            tried = await soak.people.call(soak.county.staff, "POST", f"/evaluation/rounds/{round_id}/publish",
                                           who="staff", what="publish_round")
            again = await soak.people.call(soak.county.staff, "GET", f"/evaluation/rounds/{round_id}", who="staff",
                                           what="read_round")
            reads[round_id] = (first.json()["values"], tried.status_code, again.json()["values"])
        return [values_trace_to_records([(v.id, v.indicator, v.value, v.records) for v in values], missing,
                                        opened=self.round),
                published_rounds_frozen(reads, early_publish=self.early_publish)]


async def missing_records(session, records: list[str]) -> set[str]:
    """The records named that the database does not hold (or of a kind no table is known for)."""
    wanted: dict[str, set[int]] = {}
    unknown = set()
    for record in records:
        kind, _, key = record.partition(":")
        if kind == "training_checkin":  # "{training}-{user}": the check-in's two columns
            training, _, user = key.partition("-")
            found = await session.scalar(select(column("user_id")).select_from(table("campaign_checkins")).where(
                column("training_id") == int(training), column("user_id") == int(user)))
            unknown |= set() if found else {record}
        elif kind in RECORD_TABLES and key.isdigit():
            wanted.setdefault(kind, set()).add(int(key))
        else:
            unknown.add(record)
    for kind, ids in wanted.items():
        name, key = RECORD_TABLES[kind]
        held = set(await session.scalars(select(column(key)).select_from(table(name)).where(column(key).in_(ids))))
        unknown |= {f"{kind}:{i}" for i in ids - held}
    return unknown


def values_trace_to_records(values: list[tuple[int, str, float | None, list[str]]], missing: set[str], *,
                            opened: int | None) -> Result:
    """Every indicator's value names the records behind it, each one in the database; a value above
    zero with no record behind it is counted from nothing."""
    wrong = [f"value {i} ({indicator}) = {value} with no records" for i, indicator, value, records in values
             if value and not records]
    wrong += [f"{record} not in the database" for record in sorted(missing)]
    figure = (f"{len(values)} values naming {sum(len(v[3]) for v in values)} records, {len(wrong)} untraced"
              + ("" if opened else "; no round opened"))
    return Result("考评指标都能追溯到记录 every indicator's value traces to its record ids", not wrong and bool(opened),
                  figure, first(wrong))


def published_rounds_frozen(reads: dict[int, tuple[list, int, list]], *, early_publish: int | None) -> Result:
    """A published round answers a write with 409 and its values do not move; a round not yet scored
    cannot be published (409)."""
    wrong = [f"round {r}: a write answered {status}" for r, (_, status, _) in reads.items() if status != 409]
    wrong += [f"round {r}: values moved" for r, (before, _, after) in reads.items() if before != after]
    if early_publish != 409:
        wrong.append(f"publishing before the review closed answered {early_publish}")
    return Result("已发布的考评被冻结 a published round is frozen", not wrong,
                  f"{len(reads)} published rounds checked; early publish answered {early_publish}", first(wrong))
