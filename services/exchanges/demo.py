"""A year of exchanges in the demo county (示例区), around `today`: last year's long exchanges
assessed, this year's under way, short stays behind and ahead of today in each state, a lead-school
leader serving as 兼职副校长 every Wednesday. Rows only: the worker's reconciler starts the runs of
the live ones when `make run` starts it."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.exchanges.history import ExchangeKind, ExchangeStatus, Outcome
from models import Exchange, School, Teacher
from services.exchanges.service import at_notice_time, import_key

K, S = ExchangeKind, ExchangeStatus
# staff number, host school, kind, start and end (days from today), how far it has got
PLAN = [
    ("t0002", "东城小学", K.long, -500, -135, S.assessed),
    ("t0007", "实验小学", K.long, -500, -135, S.assessed),
    ("t0003", "西城小学", K.long, -100, 266, S.away),
    ("t0012", "实验小学", K.long, -100, 266, S.away),
    ("t0022", "桃园小学", K.support, -100, 266, S.away),
    ("t0004", "育才小学", K.short, -60, -46, S.returned),
    ("t0008", "实验小学", K.shadowing, -40, -26, S.reported),
    ("t0017", "实验小学", K.short, -40, -33, S.assessed),
    ("t0005", "东城小学", K.shadowing, -10, 4, S.away),
    ("t0013", "实验小学", K.short, 20, 34, S.planned),
    ("t0042", "民族中学", K.short, 9, 23, S.planned),
    ("t0001", "石桥小学", K.vice_principal, -90, 200, S.away),
]
DUTIES = {K.long: "承担一个班的主科教学，参与学校教研组活动", K.support: "支教：承担数学教学并指导青年教师",
          K.short: "跟班听课、上研讨课一节", K.shadowing: "跟岗学习教学管理与集体备课",
          K.vice_principal: "兼职副校长：分管教学，每周驻校1天"}
CRITERIA = "具有中级及以上职称，近三年年度考核合格以上"
MECHANISM = "从教学成果、对当地教师的带动作用、与同事的合作交流等方面考核，结果与评优挂钩"


async def load_demo_exchanges(session: AsyncSession, *, today: date, tz: ZoneInfo) -> None:
    teachers = {t.staff_no: t for t in await session.scalars(select(Teacher))}
    schools = {s.name: s.id for s in await session.scalars(select(School))}
    for staff_no, host, kind, start_in, end_in, status in PLAN:
        teacher, start, end = teachers[staff_no], today + timedelta(days=start_in), today + timedelta(days=end_in)
        begun, back = status != S.planned, status in (S.returned, S.reported, S.assessed)
        exchange = Exchange(
            import_key=import_key(staff_no=staff_no, host_school_id=schools[host], planned_start=start),
            teacher_id=teacher.id, home_school_id=teacher.school_id, host_school_id=schools[host], kind=kind,
            weekday=3 if kind == K.vice_principal else None, planned_start=start, planned_end=end,
            actual_start=start if begun else None, actual_end=end if back else None, duties=DUTIES[kind],
            selection_criteria=CRITERIA, assessment_mechanism=MECHANISM, status=status, steps_done=[])
        if status in (S.reported, S.assessed):
            exchange.report = "听课评课十余节，上示范课两节，与当地教师共同完成一次集体备课。"
            exchange.report_submitted_at = at_notice_time(end + timedelta(days=7), tz)
        if status == S.assessed:
            exchange.teaching_results, exchange.local_influence, exchange.collaboration = "优秀", "良好", "优秀"
            exchange.outcome, exchange.assessment_comment = Outcome.reward, "带动作用明显，予以表彰。"
            exchange.assessed_at = datetime.combine(end + timedelta(days=14), datetime.min.time(), tzinfo=tz)
        session.add(exchange)
    await session.flush()
