"""A county-sized roster on top of the demo county: thousands of teachers added with bulk inserts
(one INSERT per chunk, no per-row ORM work, no password hashing), and realistic problem texts."""

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import GradeBand, Role
from models import AuditEntry, CampaignMember, Problem, School, Teacher, TeacherSubject, User, Vote
from services.directory.demo import demo_teacher_name

CHUNK = 1000

# What teachers across a county write, as variations of a few dozen recurring problems.
PROBLEM_STEMS = [
    "学生写作文无话可写，内容空洞", "学生计算能力差，口算笔算错误率高", "学生读不懂应用题，不会分析数量关系",
    "学生背英语单词记不住，单词遗忘快", "学生不敢开口说英语，口语表达能力弱", "课堂提问时学生不主动举手发言",
    "学生课外阅读兴趣不高，不爱读整本书", "作业布置量大，学生作业负担重", "实验课上学生动手操作混乱，实验秩序难管理",
    "学生不会整理错题，同样的错题反复错", "家长不配合，家校沟通困难", "学生书写不规范，字迹潦草",
]
PROBLEM_CONTEXTS = ["（{grade}）", "，{grade}尤其明显", "，在{grade}普遍存在", "。{grade}教学中经常遇到"]
GRADES = ["三年级", "四年级", "五年级", "六年级", "七年级", "八年级"]


def problem_text(n: int) -> str:
    stem = PROBLEM_STEMS[n % len(PROBLEM_STEMS)]
    return stem + PROBLEM_CONTEXTS[(n // len(PROBLEM_STEMS)) % len(PROBLEM_CONTEXTS)].format(grade=GRADES[n % len(GRADES)])


async def _insert(session: AsyncSession, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


async def add_teachers(session: AsyncSession, *, count: int, subject: str = "语文") -> list[int]:
    """`count` more primary teachers spread over every school; returns their user ids."""
    schools = list(await session.scalars(select(School.id).order_by(School.id)))
    first_user = (await session.scalar(select(func.max(User.id))) or 0) + 1
    first_teacher = (await session.scalar(select(func.max(Teacher.id))) or 0) + 1
    users, teachers, subjects = [], [], []
    for n in range(count):
        user_id, teacher_id, staff_no = first_user + n, first_teacher + n, f"b{n:05d}"
        name = demo_teacher_name(n)
        users.append({"id": user_id, "username": staff_no, "role": Role.teacher, "display_name": name,
                      "phone": f"138{n:08d}", "subjects": [subject]})
        teachers.append({"id": teacher_id, "staff_no": staff_no, "name": name, "school_id": schools[n % len(schools)],
                         "grade_band": GradeBand.primary, "phone": f"138{n:08d}", "user_id": user_id})
        subjects.append({"teacher_id": teacher_id, "subject": subject, "position": 0})
    for model, rows in [(User, users), (Teacher, teachers), (TeacherSubject, subjects)]:
        await _insert(session, model, rows)
    await session.flush()
    return [u["id"] for u in users]


async def add_actions(session: AsyncSession, *, campaign_id: int, votes_each: int = 3) -> int:
    """A campaign late in its collection, in bulk: a problem from every member, `votes_each` votes
    from every member on the next members' problems, and the audit row each action leaves (what
    the board counts and the run timeline reads). Returns the number of actions."""
    members = (await session.execute(
        select(CampaignMember.user_id, CampaignMember.school_id, User.display_name)
        .join(User, User.id == CampaignMember.user_id)
        .where(CampaignMember.campaign_id == campaign_id).order_by(CampaignMember.user_id))).all()
    problems = [{"campaign_id": campaign_id, "author_user_id": user_id, "school_id": school_id,
                 "title": problem_text(n), "votes": votes_each} for n, (user_id, school_id, _) in enumerate(members)]
    await _insert(session, Problem, problems)
    problem_of = dict((await session.execute(select(Problem.author_user_id, Problem.id)
                                             .where(Problem.campaign_id == campaign_id))).all())
    votes = [{"problem_id": problem_of[members[(n + k) % len(members)][0]], "user_id": user_id,
              "campaign_id": campaign_id}
             for n, (user_id, _, _) in enumerate(members) for k in range(1, votes_each + 1)]
    path = f"/api/v1/campaigns/{campaign_id}/problems"

    def audited(user_id: int, name: str, route: str) -> dict:
        return {"actor_user_id": user_id, "actor_name": name, "actor_role": Role.teacher, "method": "POST",
                "route": route, "path": path, "status_code": 201, "subject_type": "campaigns",
                "subject_id": str(campaign_id), "payload": {}}

    audit = [audited(user_id, name, "/api/v1/campaigns/{campaign_id}/problems") for user_id, _, name in members]
    audit += [audited(user_id, name, "/api/v1/campaigns/{campaign_id}/problems/{problem_id}/votes")
              for user_id, _, name in members for _ in range(votes_each)]
    await _insert(session, Vote, votes)
    await _insert(session, AuditEntry, audit)
    return len(problems) + len(votes)
