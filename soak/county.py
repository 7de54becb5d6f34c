"""The soak's county: the demo county (three clusters, sixty teachers), grown in bulk to the
profile's size: more clusters of four schools in the demo's three school groups, then teachers
spread over every school (benchmarks/big_county.py), each with an e-mail address, and a robot per
school and a webhook per cluster (tests/notification_receivers.py) so every channel is exercised."""

from sqlalchemy import select, update

from benchmarks.big_county import add_teachers
from models import Cluster, School, Teacher, User
from services.directory.demo import CLUSTERS

SCHOOLS_PER_CLUSTER = 4


async def grow(session, *, clusters: int, teachers: int) -> None:
    groups = list(dict.fromkeys(await session.scalars(select(Cluster.school_group_id).order_by(Cluster.id))))
    new_clusters = []
    for n in range(clusters):
        cluster = Cluster(school_group_id=groups[n % len(groups)], name=f"第{n + len(CLUSTERS) + 1}片区")
        session.add(cluster)
        await session.flush()
        session.add_all(School(cluster_id=cluster.id, name=f"{cluster.name}{k + 1}号学校")
                        for k in range(SCHOOLS_PER_CLUSTER))
        new_clusters.append(cluster)
    await session.flush()
    if teachers:
        ids = await add_teachers(session, count=teachers)
        await session.execute(update(User).where(User.id.in_(ids)).values(email=User.username + "@school.test"))
    # A new cluster's lead school is its first; its first teacher is the school's contact and the 片长.
    for cluster in new_clusters:
        schools = list(await session.scalars(select(School).where(School.cluster_id == cluster.id).order_by(School.id)))
        for school in schools:
            school.contact_user_id = await session.scalar(
                select(Teacher.user_id).where(Teacher.school_id == school.id).order_by(Teacher.id).limit(1))
        cluster.lead_school_id, cluster.organiser_user_id = schools[0].id, schools[0].contact_user_id
    await session.commit()
