"""Filed from the work: an approved plan, a reflection, minutes are offered to their author (an inbox
notice and the library's offers page), published with one click with the metadata filled from the
record, and never published without her consent."""

from datetime import datetime, timezone

from sqlalchemy import select

from contracts.campaigns.history import PlanStatus
from engine.library import offer_pass
from models import Campaign, InboxItem, Plan, Reflection, Resource, Topic, User


async def _campaign_with_plan(session_factory, *, plan_status: PlanStatus) -> dict[str, int]:
    async with session_factory() as session:
        users = dict((await session.execute(select(User.username, User.id))).all())
        campaign = Campaign(title="春季语文订单式教研", subject="语文", grade_band="小学", cluster_ids=[1], params={},
                            created_by=users["staff01"], deadline=datetime.now(timezone.utc))
        session.add(campaign)
        await session.flush()
        topic = Topic(campaign_id=campaign.id, position=0, title="习作教学", lead_user_id=users["t0002"],
                      confirmed_by=users["staff01"], plan_status=plan_status)
        session.add(topic)
        await session.flush()
        plan = Plan(campaign_id=campaign.id, topic_id=topic.id, goal="让学生有话可写：观察日记与素材本", status=plan_status,
                    submitted_by=users["t0002"])
        reflection = Reflection(campaign_id=campaign.id, user_id=users["t0003"], text="小组互评让学生更敢写了。")
        session.add_all([plan, reflection])
        await session.commit()
        return {"plan": plan.id, "reflection": reflection.id, "lead": users["t0002"]}


async def test_an_approved_plan_is_offered_to_its_lead_and_published_only_when_she_accepts(
        api, login, settings, session_factory):
    records = await _campaign_with_plan(session_factory, plan_status=PlanStatus.approved)
    assert await offer_pass(settings=settings, session_factory=session_factory) == 2  # the plan, the reflection
    assert await offer_pass(settings=settings, session_factory=session_factory) == 0  # each record once
    async with session_factory() as session:
        [notice] = await session.scalars(select(InboxItem).where(InboxItem.user_id == records["lead"]))
    assert notice.kind == "library_offer" and notice.link == "/console/library/offers" and "习作教学" in notice.title

    lead, author_of_reflection, reader = await login("t0002"), await login("t0003"), await login("t0021")
    assert (await api.get("/api/v1/library/resources", headers=reader)).json()["total"] == 0  # nothing yet
    [offer] = (await api.get("/api/v1/library/offers", headers=lead)).json()
    assert offer["source_kind"] == "plan" and offer["status"] == "offered"
    assert (await api.post(f"/api/v1/library/offers/{offer['id']}/accept", json={}, headers=reader)).status_code == 403
    published = await api.post(f"/api/v1/library/offers/{offer['id']}/accept", json={}, headers=lead)
    assert published.status_code == 201, published.text
    resource = published.json()
    assert (resource["kind"], resource["subject"], resource["grade_band"], resource["school_id"], resource["origin"],
            resource["source_kind"], resource["visibility"]) == (
        "lesson_plan", "语文", "小学", 1, "春季语文订单式教研", "plan", "county")
    assert "观察日记" in resource["description"]
    again = await api.post(f"/api/v1/library/offers/{offer['id']}/accept", json={}, headers=lead)
    assert again.status_code == 409 and again.json()["status"] == "accepted"

    [declined] = (await api.get("/api/v1/library/offers", headers=author_of_reflection)).json()
    assert (await api.post(f"/api/v1/library/offers/{declined['id']}/decline", headers=author_of_reflection)
            ).json()["status"] == "declined"
    assert await offer_pass(settings=settings, session_factory=session_factory) == 0
    found = (await api.get("/api/v1/library/resources", headers=reader)).json()
    assert [item["id"] for item in found["items"]] == [resource["id"]]
    async with session_factory() as session:
        assert await session.scalar(select(Resource).where(Resource.source_kind == "reflection")) is None


async def test_a_plan_not_approved_is_not_offered(settings, session_factory, demo):
    await _campaign_with_plan(session_factory, plan_status=PlanStatus.submitted)
    assert await offer_pass(settings=settings, session_factory=session_factory) == 1  # the reflection alone
