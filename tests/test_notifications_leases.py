"""Claims on delivery rows, one activity at a time (no Temporal): two drains over the same rows
send each once; a row another attempt holds waits for its claim to lapse; a robot message resent
after a crash keeps its delivery id; bad text never reaches a header and a bad address fails its
row instead of the activity; a cancelled campaign's open copies are withdrawn but not its
cancellation; giving up records what the channels accepted and fails the rest, which a retry
reopens; on PostgreSQL concurrent claims never overlap."""

import asyncio
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from contracts.notifications.delivery import Drain, GiveUp
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES, SubmissionReminder
from models import Campaign, Delivery, Teacher, User
from models.base import utcnow
from notifications import delivery, inbox, leases, service
from notifications.channels import open_channels
from notifications.channels.robots import Webhook
from tests.demo_database import demo_county_database
from tests.notification_receivers import channels_on, http_receiver, smtp_server  # noqa: F401 (autouse fixture)
from tests.postgres import throwaway_postgres
from tests.test_notifications_channels import DAYTIME, SECRET, add_robot, school_teachers

REMINDER = EXAMPLES[NotificationKind.submission_reminder]


def notice(user_ids: list[int], payload=REMINDER, **about) -> NotifyRequest:
    return NotifyRequest(payload=payload, key=f"test:{uuid.uuid4()}", user_ids=user_ids, link="/console", **about)


async def publish(session_factory, settings, request: NotifyRequest) -> int:
    async with session_factory() as session:
        published = await service.publish(session, request=request, at=DAYTIME, settings=settings)
        await session.commit()
    return published.notification_id


async def statuses(session_factory, notification_id: int) -> Counter:
    async with session_factory() as session:
        return Counter(dict((await session.execute(
            select(Delivery.status, func.count()).where(Delivery.notification_id == notification_id)
            .group_by(Delivery.status)
        )).all()))


@pytest.fixture
async def school(settings, session_factory, demo):
    """实验小学's teachers, an SMTP server and the school's webhook on a local receiver."""
    settings.delivery_retry_base_seconds = 0.01
    settings.robot_max_mentions = 4
    school_id, teachers = await school_teachers(session_factory, "实验小学")
    async with smtp_server() as (port, mails), http_receiver() as receiver:
        settings.smtp_port = port
        await add_robot(session_factory, kind="webhook", url=receiver.url("/hook"), secret=SECRET, school_id=school_id)
        yield teachers, mails, receiver


def mentions(receiver) -> Counter:
    """Each user mentioned, counting each X-Jiaoyan-Delivery id once (as a deduplicating receiver does)."""
    seen = {r.headers["x-jiaoyan-delivery"]: r.json for r in receiver.requests}
    return Counter(person["user_id"] for body in seen.values() for person in body["recipients"])


async def test_two_drains_over_the_same_rows_send_each_once(settings, session_factory, school):
    teachers, mails, receiver = school
    notification_id = await publish(session_factory, settings, notice([t.id for t in teachers]))
    deliveries = delivery.Deliveries(session_factory, settings, open_channels)
    settings.delivery_batch_size = 3  # many small claims, interleaved between the two drains
    drain = Drain(notification_id=notification_id, at=DAYTIME)
    first, second = await asyncio.gather(deliveries.drain(drain), deliveries.drain(drain))

    assert first.sent + second.sent == 2 * len(teachers) and not first.error and not second.error
    assert Counter(m["To"].addresses[0].addr_spec for m in mails).most_common(1)[0][1] == 1
    assert len(mails) == len(teachers)
    ids = [r.headers["x-jiaoyan-delivery"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) and mentions(receiver) == Counter(t.id for t in teachers)
    assert await statuses(session_factory, notification_id) == {DeliveryStatus.sent: 2 * len(teachers)}
    again = await deliveries.drain(drain)  # a later run finds everything sent
    assert again.sent == again.failed == 0 and len(mails) == len(teachers)


async def test_rows_held_by_another_attempt_wait_until_its_claim_lapses(settings, session_factory, school):
    teachers, mails, _ = school
    notification_id = await publish(session_factory, settings, notice([t.id for t in teachers]))
    other = leases.Leases(session_factory, seconds=60, owner="someone-else")
    held = await other.claim(leases.claimable(notification_id, DAYTIME), notification_id=notification_id)
    assert len(held) == 2 * len(teachers)
    deliveries = delivery.Deliveries(session_factory, settings, open_channels)
    drain = Drain(notification_id=notification_id, at=DAYTIME)
    assert (await deliveries.drain(drain)).sent == 0 and mails == []
    async with session_factory() as session:
        state = await delivery.wave_state(session, notification_id=notification_id, at=DAYTIME)
    assert state.claimable == 0 and 0 < state.held_for <= 60.1  # the lease, and the 0.1 s wave_state adds
    # The other attempt's minute passes (moved in the rows, not waited: a real wait of a short lease
    # could lapse before the first drain on a loaded machine).
    async with session_factory() as session:
        await session.execute(update(Delivery).where(Delivery.id.in_(held))
                              .values(lease_until=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert (await deliveries.drain(drain)).sent == 2 * len(teachers) and len(mails) == len(teachers)


async def test_robot_message_resent_after_a_crash_keeps_its_delivery_id(settings, session_factory, school):
    teachers, _, receiver = school
    settings.smtp_port = 1  # robots only: e-mail fails fast
    settings.delivery_attempts = 1
    crashed = []

    class LostAfterSending(Webhook):
        async def send(self, message):
            await super().send(message)
            if not crashed:
                crashed.append(message.delivery_id)
                raise RuntimeError("worker lost after the receiver accepted")

    def channels(s):
        return _replacing(open_channels(s), ChannelName.webhook, LostAfterSending(s))

    notification_id = await publish(session_factory, settings, notice([t.id for t in teachers]))
    deliveries = delivery.Deliveries(session_factory, settings, channels)
    drain = Drain(notification_id=notification_id, at=DAYTIME)
    with pytest.raises(RuntimeError):
        await deliveries.drain(drain)
    await deliveries.drain(drain)  # the claims of the crashed attempt were released: at once

    ids = Counter(r.headers["x-jiaoyan-delivery"] for r in receiver.requests)
    assert ids[crashed[0]] == 2 and all(count == 1 for i, count in ids.items() if i != crashed[0])
    resent = [r.json["recipients"] for r in receiver.requests if r.headers["x-jiaoyan-delivery"] == crashed[0]]
    assert resent[0] == resent[1]  # the same message, whole
    assert mentions(receiver) == Counter(t.id for t in teachers)
    async with session_factory() as session:
        hooks = set(await session.scalars(select(Delivery.status).where(
            Delivery.notification_id == notification_id, Delivery.channel == ChannelName.webhook)))
    assert hooks == {DeliveryStatus.sent}


class _replacing:
    """The channels of `opener`, one of them replaced."""

    def __init__(self, opener, name, channel):
        self.opener, self.name, self.channel = opener, name, channel

    async def __aenter__(self):
        found = await self.opener.__aenter__()
        found[self.name] = self.channel
        return found

    async def __aexit__(self, *exc):
        await self.channel.aclose()
        return await self.opener.__aexit__(*exc)


async def test_control_characters_never_reach_a_header_and_a_bad_address_fails_only_its_row(
    settings, session_factory, school
):
    teachers, mails, _ = school
    broken, *others = teachers
    async with session_factory() as session:
        await session.execute(update(User).where(User.id == broken.id).values(email="x@"))
        await session.execute(update(Teacher).where(Teacher.user_id == broken.id).values(email=None))
        await session.commit()
    payload = SubmissionReminder(campaign="春季教研\r\nBcc: everyone@example.com\x07", due=DAYTIME)
    notification_id = await publish(session_factory, settings, notice([t.id for t in teachers], payload))
    result = await delivery.Deliveries(session_factory, settings, open_channels).drain(
        Drain(notification_id=notification_id, at=DAYTIME))

    assert result.error is None and len(mails) == len(others)
    subject = mails[0]["Subject"]
    assert "\r" not in subject and "\n" not in subject and "春季教研 Bcc: everyone@example.com" in subject
    assert all(m["Bcc"] is None for m in mails)
    async with session_factory() as session:
        failed = (await session.execute(select(Delivery.user_id, Delivery.last_error).where(
            Delivery.notification_id == notification_id, Delivery.status == DeliveryStatus.failed))).all()
    assert [user_id for user_id, _ in failed] == [broken.id] and "composition failed" in failed[0][1]


async def test_cancelled_campaign_withdraws_its_open_copies_but_not_its_cancellation(settings, session_factory, school):
    teachers, mails, receiver = school
    async with session_factory() as session:
        staff = await session.scalar(select(User.id).where(User.username == "staff01"))
        campaign = Campaign(title="春季", params={}, created_by=staff)
        session.add(campaign)
        await session.commit()
    recipients = [t.id for t in teachers]
    reminder = await publish(session_factory, settings, notice(recipients, campaign_id=campaign.id))
    cancelled = await publish(session_factory, settings, notice(
        recipients, EXAMPLES[NotificationKind.campaign_cancelled], campaign_id=campaign.id))
    async with session_factory() as session:
        await session.execute(update(Campaign).where(Campaign.id == campaign.id).values(phase="cancelled"))
        await session.commit()
        withdrawn = await delivery.wave_state(session, notification_id=reminder, at=DAYTIME)
        kept_on = await delivery.wave_state(session, notification_id=cancelled, at=DAYTIME)
        await session.commit()
    assert (withdrawn.withdrawn, withdrawn.claimable) == (2 * len(teachers), 0)
    # Claimable counts messages' first rows: the e-mails, and the webhook's groups of four.
    assert (kept_on.withdrawn, kept_on.claimable) == (0, len(teachers) + -(-len(teachers) // 4))
    await delivery.Deliveries(session_factory, settings, open_channels).drain(Drain(notification_id=cancelled, at=DAYTIME))
    assert {m["Subject"] for m in mails} == {"教研活动已取消：2026年春季初中数学问题征集"}
    assert await statuses(session_factory, reminder) == {DeliveryStatus.withdrawn: 2 * len(teachers)}


async def test_giving_up_records_what_was_accepted_and_fails_the_rest_which_a_retry_reopens(
    settings, session_factory, school
):
    teachers, _, _ = school
    notification_id = await publish(session_factory, settings, notice([t.id for t in teachers]))
    async with session_factory() as session:
        ids = list(await session.scalars(select(Delivery.id).where(Delivery.notification_id == notification_id)
                                         .order_by(Delivery.id)))
    accepted, ours, theirs = ids[0], ids[1], ids[2]
    for owner, seconds, row in [("run-1:drain:1", 60, ours), ("run-2:drain:1", 60, theirs)]:
        await leases.Leases(session_factory, seconds=seconds, owner=owner).claim(Delivery.id == row)
    async with session_factory() as session:
        result = await delivery.give_up(session, GiveUp(
            notification_id=notification_id, at=DAYTIME, reason="数据库不可用", run_id="run-1", accepted=[accepted]))
        await session.commit()
    assert (result.sent, result.failed) == (1, len(ids) - 2)  # another run's live claim is left alone
    assert await statuses(session_factory, notification_id) == {
        DeliveryStatus.sent: 1, DeliveryStatus.failed: len(ids) - 2, DeliveryStatus.pending: 1}

    async with session_factory() as session:  # the other run's claim lapses; a staff retry takes both
        await session.execute(update(Delivery).where(Delivery.id == theirs)
                              .values(lease_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
        assert await inbox.reopen(session, notification_id=notification_id) == len(ids) - 1
        await session.commit()
    assert await statuses(session_factory, notification_id) == {
        DeliveryStatus.sent: 1, DeliveryStatus.pending: len(ids) - 1}


@pytest.mark.postgres
async def test_concurrent_claims_never_overlap_on_postgresql(settings):
    with throwaway_postgres() as url:
        async with demo_county_database(url) as session_factory:
            async with session_factory() as session:
                users = list(await session.scalars(select(User.id).join(Teacher, Teacher.user_id == User.id)))
            notification_id = await publish(session_factory, settings, notice(users))  # one e-mail row each

            async def claimer(n: int) -> list[int]:
                lease = leases.Leases(session_factory, seconds=60, owner=f"claimer-{n}")
                claimed = []
                while batch := await lease.claim(leases.claimable(notification_id, DAYTIME), limit=3,
                                                 notification_id=notification_id):
                    claimed += batch
                return claimed

            claims = await asyncio.gather(*(claimer(n) for n in range(6)))
    everything = [row for claim in claims for row in claim]
    assert len(everything) == len(set(everything)) == len(users)
    assert sum(1 for claim in claims if claim) > 1  # they did run side by side
