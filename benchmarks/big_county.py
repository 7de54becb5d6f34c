"""A county-sized roster on top of the demo county: thousands of teachers added with bulk inserts
(one INSERT per chunk, no per-row ORM work, no password hashing), and realistic problem texts."""

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import GradeBand, Role
from models import School, Teacher, TeacherSubject, User
from services.demo import demo_teacher_name

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
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(model), rows[start : start + CHUNK])
    await session.flush()
    return [u["id"] for u in users]
