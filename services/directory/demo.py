"""The demo county (示例区) loaded on an empty database: what a research office sees on day one.

Deterministic, so README, tests and screenshots can name people: staff `staff01`, `staff02`,
teachers `t0001` … `t0060`."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import GradeBand, Locality, Role
from models import Cluster, District, School, SchoolGroup, Teacher, User
from services.accounts.security import hash_password
from services.exchanges.demo import load_demo_exchanges
from services.mentoring.demo import load_demo_pairs
from services.tours.demo import load_demo_tours

SCHOOL_GROUPS = [
    ("高中组", GradeBand.senior),
    ("初中组", GradeBand.junior),
    ("区直小学组", GradeBand.primary),
    ("农村小学组", GradeBand.primary),
    ("幼教组", GradeBand.preschool),
]
# cluster name, its school group, its four schools (the first leads: 牵头校)
CLUSTERS = [
    ("城区小学第一片", "区直小学组", ["实验小学", "东城小学", "西城小学", "育才小学"]),
    ("农村小学东片", "农村小学组", ["东湖镇中心小学", "桃园小学", "石桥小学", "清河小学"]),
    ("初中联片", "初中组", ["第一中学", "第二中学", "城南中学", "民族中学"]),
]
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the demo county's calendar day
# Lead schools (牵头校) are in town (城区); the others' localities, so exchanges have a town end.
LOCALITIES = {"桃园小学": Locality.rural, "石桥小学": Locality.rural, "清河小学": Locality.rural,
              "民族中学": Locality.rural}
SUBJECTS = {
    GradeBand.primary: ["语文", "数学", "英语", "科学", "道德与法治"],
    GradeBand.junior: ["语文", "数学", "英语", "物理", "历史"],
}
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗"
GIVEN_NAMES = ["晓燕", "建国", "丽娟", "志强", "海燕", "文博", "雪梅", "国华", "静怡", "子涵", "春梅", "宏伟"]
TEACHERS_PER_SCHOOL = 5


def demo_teacher_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN_NAMES[(index * 7) % len(GIVEN_NAMES)]


async def load_demo_county(session: AsyncSession, *, password: str, programmes: bool = False) -> bool:
    """Load the demo county unless the directory already has a district. True if loaded.
    `programmes`: also a year of the alliance's programmes (`make run`); tests leave them out and set
    up what each tests (their live records would get runs from the reconciler)."""
    if await session.scalar(select(District.id).limit(1)) is not None:
        return False
    # One hash for every demo login: hashing sixty passwords would slow every start and test.
    password_hash = await hash_password(password)
    district = District(name="示例区", code="demo")
    session.add(district)
    await session.flush()
    groups = {name: SchoolGroup(district_id=district.id, name=name, grade_band=band) for name, band in SCHOOL_GROUPS}
    session.add_all(groups.values())
    session.add_all(
        User(username=f"staff{n:02d}", role=Role.staff, display_name=name, subjects=[subject],
             phone=f"1370000000{n}", email=f"staff{n:02d}@demo.jiaoyan.local", password_hash=password_hash)
        for n, name, subject in [(1, "周教研", "语文"), (2, "钱教研", "数学")]
    )
    await session.flush()

    number = 0
    for cluster_name, group_name, school_names in CLUSTERS:
        group = groups[group_name]
        cluster = Cluster(school_group_id=group.id, name=cluster_name)
        session.add(cluster)
        await session.flush()
        for position, school_name in enumerate(school_names):
            locality = Locality.urban if position == 0 else LOCALITIES.get(school_name, Locality.town)
            school = School(cluster_id=cluster.id, name=school_name, address=f"示例区{school_name}", locality=locality)
            session.add(school)
            await session.flush()
            for _ in range(TEACHERS_PER_SCHOOL):
                number += 1
                staff_no = f"t{number:04d}"
                subjects = SUBJECTS[group.grade_band]
                teacher = Teacher(
                    staff_no=staff_no, name=demo_teacher_name(number), school_id=school.id,
                    grade_band=group.grade_band, subjects=[subjects[number % len(subjects)]],
                    phone=f"139{number:08d}", email=f"{staff_no}@demo.jiaoyan.local",
                )
                teacher.user = User(username=staff_no, role=Role.teacher, display_name=teacher.name,
                                    phone=teacher.phone, email=teacher.email, password_hash=password_hash)
                session.add(teacher)
                await session.flush()
                # The first teacher of a school is its contact; of the lead school, the cluster's organiser (片长).
                if school.contact_user_id is None:
                    school.contact_user_id = teacher.user.id
                    if cluster.lead_school_id is None:
                        cluster.lead_school_id = school.id
                        cluster.organiser_user_id = teacher.user.id
    await session.flush()
    if programmes:
        await load_demo_pairs(session, now=datetime.now(timezone.utc))
        await load_demo_tours(session)
        await load_demo_exchanges(session, today=datetime.now(SHANGHAI).date(), tz=SHANGHAI)
    return True
