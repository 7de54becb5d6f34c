"""The problem form in Chromium at phone width: the problems like hers appear as she types, and she
seconds (附议) one with her own words instead of writing it again."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from contracts.campaigns.api import CampaignIn, ProblemIn
from models import CampaignMember, Cluster, Problem, ProblemSecond, User, Vote
from services.campaigns import service as campaigns
from tests import grouping_eval
from tests.browser import chromium, log_in, screenshot, served

pytestmark = pytest.mark.browser


async def _collecting(session_factory) -> tuple[int, set[str]]:
    """A campaign collecting problems in the first cluster, with a few of the development set's
    problems of two themes by t0001–t0008 (written past the API: their vectors are encoded when first
    looked up). Answers the campaign and the titles of its 古诗词默写 problems."""
    development = grouping_eval.load(grouping_eval.DEV)
    problems = [p for theme in ("古诗词默写", "受力分析") for p in development if p.theme == theme][:4] + [
        p for p in development if p.theme == "受力分析"][:4]
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        campaign = await campaigns.create_campaign(session, by=staff, now=datetime.now(timezone.utc),
                                                   data=CampaignIn(title="古诗文教学问题征集", cluster_ids=[cluster]))
        users = dict((await session.execute(select(User.username, User.id))).all())
        for n, p in enumerate(problems, start=1):
            member = await session.get(CampaignMember, (campaign.id, users[f"t{n:04d}"]))
            await campaigns.submit_problem(session, campaign_id=campaign.id, member=member, data=ProblemIn(
                title=p.title, description=p.description, tags=p.tags))
        await session.commit()
        return campaign.id, {p.title for p in problems if p.theme == "古诗词默写"}


async def test_the_list_appears_as_she_types_and_she_seconds_one(settings, session_factory, demo, local_env):
    campaign_id, poems = await _collecting(session_factory)
    form = f"/console/campaigns/{campaign_id}/problems/new"
    async with served(settings, local_env.client) as base_url, chromium() as browser:
        teacher = await log_in(browser, base_url, "t0010", next_path=form)
        await teacher.wait_for_url(f"**{form}")
        assert await teacher.is_hidden("#similar-lookup")  # the script took over from the look-up form
        assert await teacher.locator("#similar .similar-problem").count() == 0
        await teacher.locator("#f-title").press_sequentially("学生默写古诗总写错别字", delay=40)
        await teacher.locator("#similar .similar-problem").first.wait_for()
        first = teacher.locator("#similar .similar-problem").first
        assert (await first.locator("strong").inner_text()) in poems
        assert "票" in await first.inner_text()
        await screenshot(teacher, "similar-problems-while-typing")

        await first.locator("textarea").fill("我们七年级也一样，同音字最多")
        await first.locator("button.second").click()
        await teacher.wait_for_url(f"**/console/campaigns/{campaign_id}/problems?done=seconded*")
        assert "已附议" in await teacher.inner_text(".flash")
        await screenshot(teacher, "similar-problems-seconded")
    async with session_factory() as session:
        seconded = await session.scalar(select(ProblemSecond).join(User, User.id == ProblemSecond.user_id)
                                        .where(User.username == "t0010"))
        assert seconded.comment == "我们七年级也一样，同音字最多"
        assert await session.scalar(select(Problem.votes).where(Problem.id == seconded.problem_id)) == 1
        voters = await session.scalars(select(Vote.user_id).where(Vote.problem_id == seconded.problem_id))
        assert list(voters) == [seconded.user_id]
