"""Similar problems while a teacher writes, seconding (附议), and named themes, through the API on a
campaign written by the service (no run: teachers' actions and named themes go to the database
under the phase guard). The proposals are made by the activity's own service call."""

import functools
import re
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import select, update

from contracts.campaigns.api import CampaignIn
from models import Campaign, Cluster, Problem, Topic, User
from services import sentence_vectors
from services.campaigns import similar
from services.campaigns import service as campaigns
from services.campaigns.similar import FLOOR, SHOWN, Index
from services.campaigns import topic_proposals
from tests import grouping_eval
from tests.campaign_helpers import API, login, settings, vapi  # noqa: F401  the fixtures
from tests.conftest import console_login

SIMILAR_FIELDS = {"id", "title", "description", "votes", "mine", "seconded"}


async def _campaign(session_factory, *, title: str = "作文教学问题征集", vote_budget: int = 2) -> int:
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        campaign = await campaigns.create_campaign(session, by=staff, now=datetime.now(timezone.utc), data=CampaignIn(
            title=title, cluster_ids=[cluster], vote_budget=vote_budget))
        await session.commit()
        return campaign.id


async def _submit(vapi, login, base: str, problems: list[grouping_eval.Labelled]) -> list[int]:
    """Written by t0001–t0004 in turn (few logins: each costs a password hash)."""
    ids = []
    for n, p in enumerate(problems):
        answer = await vapi.post(f"{base}/problems", headers=await login(f"t{n % 4 + 1:04d}"),
                                 json={"title": p.title, "description": p.description, "tags": p.tags})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


async def _set_step(session_factory, campaign_id: int, step: str) -> None:
    async with session_factory() as session:
        await session.execute(update(Campaign).where(Campaign.id == campaign_id).values(step=step))
        await session.commit()


def _two_themes() -> list[grouping_eval.Labelled]:
    problems = grouping_eval.load(grouping_eval.DEV)
    return [p for p in problems if p.theme in ("古诗词默写", "受力分析")] + [
        p for p in problems if p.theme == grouping_eval.ONE_OFF][:2]


async def test_the_list_follows_the_text_and_seconding_is_a_vote_once(vapi, login, session_factory, monkeypatch):
    cid = await _campaign(session_factory)
    base = f"{API}/campaigns/{cid}"
    problems = _two_themes()
    ids = await _submit(vapi, login, base, problems)
    reader = await login("t0016")  # wrote nothing

    answer = await vapi.get(f"{base}/problems/similar", params={"text": "学生默写古诗总是写错别字"}, headers=reader)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found and all(set(item) == SIMILAR_FIELDS for item in found)  # nothing of who wrote it
    by_id = dict(zip(ids, problems))
    assert by_id[found[0]["id"]].theme == "古诗词默写"
    assert sum(by_id[item["id"]].theme == "古诗词默写" for item in found[:3]) >= 2
    assert not any(item["mine"] or item["seconded"] for item in found)
    # A problem written after the index was built is listed once the index may be built again.
    monkeypatch.setattr(similar, "REBUILD_SECONDS", 0.0)
    late = await vapi.post(f"{base}/problems", headers=await login("t0002"), json={"title": "实验报告数据造假现象严重"})
    seen = await vapi.get(f"{base}/problems/similar", params={"text": "实验报告数据造假"}, headers=reader)
    assert seen.json()[0]["id"] == late.json()["id"]
    mine = await vapi.get(f"{base}/problems/similar", params={"text": problems[0].title}, headers=await login("t0001"))
    assert mine.json()[0] == {**mine.json()[0], "id": ids[0], "mine": True}
    staff = await vapi.get(f"{base}/problems/similar", params={"text": "受力分析画不对"}, headers=await login("staff02"))
    assert staff.status_code == 200 and by_id[staff.json()[0]["id"]].theme == "受力分析"

    for text in ["", "   ", "长" * 2001]:
        refused = await vapi.get(f"{base}/problems/similar", params={"text": text}, headers=reader)
        assert refused.status_code == 422 and "text" in refused.text, refused.text
    assert (await vapi.get(f"{base}/problems/similar", headers=reader)).status_code == 422
    outsider = await vapi.get(f"{base}/problems/similar", params={"text": "默写"}, headers=await login("t0021"))
    assert outsider.status_code == 403

    target = found[0]["id"]
    first = await vapi.post(f"{base}/problems/{target}/seconds", json={"comment": "我们班<b>也</b>一样"}, headers=reader)
    assert first.status_code == 201, first.text
    assert first.json() == {"problem_id": target, "votes_left": 1, "comment": "我们班<b>也</b>一样"}
    again = await vapi.post(f"{base}/problems/{target}/seconds", headers=reader)  # no words: hers are kept
    assert again.status_code == 201 and again.json() == first.json()
    async with session_factory() as session:
        assert await session.scalar(select(Problem.votes).where(Problem.id == target)) == 1
    listed = await vapi.get(f"{base}/problems/similar", params={"text": "学生默写古诗总是写错别字"}, headers=reader)
    assert next(item for item in listed.json() if item["id"] == target)["seconded"]

    # The budget (2 here): a vote, then seconding past it answers exactly what a vote past it does.
    assert (await vapi.post(f"{base}/problems/{ids[1]}/votes", headers=reader)).status_code == 201
    past = await vapi.post(f"{base}/problems/{ids[2]}/seconds", json={"comment": "也是"}, headers=reader)
    assert (await vapi.delete(f"{base}/problems/{ids[1]}/votes", headers=reader)).status_code == 204
    assert (await vapi.post(f"{base}/problems/{ids[3]}/votes", headers=reader)).status_code == 201
    vote_past = await vapi.post(f"{base}/problems/{ids[4]}/votes", headers=reader)
    assert past.status_code == vote_past.status_code == 409
    assert past.json() == vote_past.json(), (past.text, vote_past.text)
    own = await vapi.post(f"{base}/problems/{ids[0]}/seconds", headers=await login("t0001"))
    assert own.status_code == 409, own.text
    # Taking the vote back takes the seconding with it.
    assert (await vapi.delete(f"{base}/problems/{target}/votes", headers=reader)).status_code == 204

    await _set_step(session_factory, cid, "deciding")
    closed = await vapi.get(f"{base}/problems/similar", params={"text": "默写"}, headers=reader)
    late = await vapi.post(f"{base}/problems/{ids[2]}/seconds", headers=reader)
    assert closed.status_code == late.status_code == 409
    assert closed.json()["phase"] == late.json()["phase"] == "collect_topics"


async def test_staff_name_themes_and_the_proposals_say_which_came_from_one(vapi, login, session_factory):
    # Last term: staff01's campaign on the same cluster, whose topics were confirmed.
    previous = await _campaign(session_factory, title="上学期的征集")
    async with session_factory() as session:
        staff_id = await session.scalar(select(User.id).where(User.username == "staff01"))
        session.add_all(Topic(campaign_id=previous, position=n, title=title, lead_user_id=staff_id,
                              confirmed_by=staff_id) for n, title in enumerate(["古诗词默写", "受力分析"]))
        await session.commit()
    cid = await _campaign(session_factory)
    base = f"{API}/campaigns/{cid}"
    staff, other = await login("staff01"), await login("staff02")
    ids = await _submit(vapi, login, base, _two_themes())
    seconder = await login("t0016")
    assert (await vapi.post(f"{base}/problems/{ids[0]}/seconds", json={"comment": "初一也这样"},
                            headers=seconder)).status_code == 201

    assert (await vapi.post(f"{base}/themes", json={"title": "古诗词默写"}, headers=other)).status_code == 403
    assert (await vapi.post(f"{base}/themes", json={"title": "古诗词默写"}, headers=await login("t0001"))).status_code == 403
    named = await vapi.post(f"{base}/themes", json={"title": "写错别字", "line": "临时"}, headers=staff)
    assert named.status_code == 201 and [t["title"] for t in named.json()] == ["写错别字"]
    removed = await vapi.delete(f"{base}/themes/{named.json()[0]['id']}", headers=staff)
    assert removed.status_code == 204
    last = await vapi.post(f"{base}/themes/last-term", headers=staff)
    assert last.status_code == 201, last.text
    assert last.json()["campaign_id"] == previous
    assert [t["title"] for t in last.json()["themes"]] == ["古诗词默写", "受力分析"]
    again = await vapi.post(f"{base}/themes/last-term", headers=staff)  # nothing named twice
    assert [t["title"] for t in again.json()["themes"]] == ["古诗词默写", "受力分析"]
    assert (await vapi.get(f"{base}/themes", headers=other)).status_code == 200
    lonely = await vapi.post(f"{API}/campaigns/{previous}/themes/last-term", headers=staff)
    assert lonely.status_code == 404, lonely.text

    await _set_step(session_factory, cid, "deciding")
    late = await vapi.post(f"{base}/themes", json={"title": "晚了"}, headers=staff)
    assert late.status_code == 409 and late.json()["phase"] == "collect_topics"
    async with session_factory() as session:
        await topic_proposals.propose(session, campaign_id=cid)
        await session.commit()
    proposals = (await vapi.get(f"{base}/topic-proposals", headers=other)).json()
    themed = {p["theme"]["title"]: p for p in proposals if p["theme"]}
    assert set(themed) == {"古诗词默写", "受力分析"}
    assert themed["古诗词默写"]["suggested_title"] == "古诗词默写"
    holding = next(p for p in proposals if ids[0] in p["problem_ids"])
    member = next(m for m in holding["problems"] if m["problem_id"] == ids[0])
    assert member["comments"] == ["初一也这样"]
    assert holding["teachers"] == len({n % 4 for n in range(len(ids)) if ids[n] in holding["problem_ids"]}) + 1

    # Merge, move and split keep a named theme's proposal its theme's.
    poems, force = themed["古诗词默写"], themed["受力分析"]
    split = await vapi.post(f"{base}/topic-proposals/split", json={"problem_ids": poems["problem_ids"][:1]},
                            headers=staff)
    assert split.status_code == 200, split.text
    after = {tuple(p["problem_ids"]): p["theme"] for p in split.json()}
    assert after[tuple(poems["problem_ids"][1:])]["title"] == "古诗词默写"
    assert after[tuple(poems["problem_ids"][:1])] is None
    merged = await vapi.post(f"{base}/topic-proposals/merge", headers=staff,
                             json={"problem_ids": [poems["problem_ids"][0], force["problem_ids"][0]]})
    assert next(p for p in merged.json() if poems["problem_ids"][0] in p["problem_ids"])["theme"]["title"] == "受力分析"


@functools.cache
def _small_index() -> Index:
    texts = [p.text for p in grouping_eval.load(grouping_eval.DEV)[:20]]
    return Index.build(list(range(1, 21)), texts, sentence_vectors.encode(texts))


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(text=st.text(min_size=1, max_size=60))
def test_any_typed_text_is_looked_up_never_an_error(text):
    """Whatever the form sends as she types (the route refuses only empty and overlong text): the
    index answers at most five problems, none under the floor."""
    found = _small_index().nearest(text, sentence_vectors.encode([text])[0])
    assert len(found) <= SHOWN and all(score >= FLOOR for _, score in found)


async def test_without_script_the_look_up_form_lists_them_escaped_and_seconds(vapi, login, session_factory):
    cid = await _campaign(session_factory)
    base = f"{API}/campaigns/{cid}"
    hostile = '<img src=x onerror=alert(1)>学生写作文无话可写'
    written = await vapi.post(f"{base}/problems", headers=await login("t0001"),
                              json={"title": hostile, "description": "</textarea><script>alert(2)</script>"})
    problem_id = written.json()["id"]
    await console_login(vapi, "t0016")
    page = await vapi.get(f"/console/campaigns/{cid}/problems/new", params={"text": "学生写作文没话写"})
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "<script>alert(2)" not in page.text
    assert f'/problems/{problem_id}/second"' in page.text
    fragment = await vapi.get(f"/console/campaigns/{cid}/problems/similar", params={"text": "学生写作文没话写"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and f"similar-{problem_id}" in fragment.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    seconded = await vapi.post(f"/console/campaigns/{cid}/problems/{problem_id}/second",
                               data={"csrf": csrf, "comment": "也是"})
    assert seconded.status_code == 303 and "done=seconded" in seconded.headers["location"]
    too_long = await vapi.post(f"/console/campaigns/{cid}/problems/{problem_id}/second",
                               data={"csrf": csrf, "comment": "长" * 5001})
    assert too_long.status_code == 422 and f'id="error-problem-{problem_id}"' in too_long.text


async def test_staff_name_themes_on_the_board(vapi, session_factory):
    cid = await _campaign(session_factory)
    board = f"/console/campaigns/{cid}"
    await console_login(vapi, "staff01")
    html = (await vapi.get(board)).text
    assert 'id="name-theme"' in html and 'id="last-term-themes"' in html
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)
    named = await vapi.post(f"{board}/themes", data={"csrf": csrf, "theme_title": "<b>习作</b>素材", "theme_line": "县重点"})
    assert named.status_code == 303 and named.headers["location"].endswith("done=theme_named")
    html = (await vapi.get(board)).text
    assert "&lt;b&gt;习作&lt;/b&gt;素材" in html and "<b>习作" not in html
    blank = await vapi.post(f"{board}/themes", data={"csrf": csrf, "theme_title": " "})
    assert blank.status_code == 422 and 'id="f-theme_title"' in blank.text
    none = await vapi.post(f"{board}/themes/last-term", data={"csrf": csrf})
    assert none.status_code == 404 and 'id="error-theme"' in none.text
