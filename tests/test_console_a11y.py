"""The console is accessible (README, Accessibility): axe-core in Chromium over every page a staff
member, a teacher and an admin reach by following the console's own links, with a demo campaign,
series and notice in the database; every page at 200 % text size on a phone without being cut
off; and a teacher who submits a problem and votes with the keyboard alone."""

import re
from collections import defaultdict
from datetime import timedelta

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from sqlalchemy import select

from contracts import workflow_ids
from models import Campaign, Series, Topic, Training, User
from tests.browser import chromium, log_in, screenshot, served
from tests.series_support import monday_after
from tests.test_series_api import CLUSTER, series_body

pytestmark = [pytest.mark.browser, pytest.mark.heavy]

FAILING_IMPACTS = {"serious", "critical"}
AXE = Axe()  # reads the axe.min.js its wheel ships: nothing downloads


@pytest.fixture(scope="module")
async def browser():
    """One Chromium for the module: starting it is most of a short test's time."""
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def console(settings, session_factory, demo, local_env, worker_on):
    """The served console with a demo campaign (a problem, a topic, a training), a series and the
    notices their launch sends; yields (base URL, campaign id). On the dev server: the runs page
    lists runs, which the time-skipping server cannot."""
    now = await local_env.get_current_time()
    async with served(settings, local_env.client) as base_url, worker_on(local_env.client):
        async with httpx.AsyncClient(base_url=f"{base_url}/api/v1") as api:
            async def auth(username):
                token = (await api.post("/auth/token", data={"username": username, "password": "demo-pass"})).json()
                return {"Authorization": f"Bearer {token['access_token']}"}

            staff = await auth("staff01")
            series = await api.post(f"/clusters/{CLUSTER}/series", json=series_body(monday_after(now, settings.tz, 14)), headers=staff)
            campaign = await api.post("/campaigns", json={"title": "无障碍演示活动", "cluster_ids": [CLUSTER]}, headers=staff)
            assert series.status_code == campaign.status_code == 201, (series.text, campaign.text)
            campaign_id = campaign.json()["id"]
            problem = await api.post(f"/campaigns/{campaign_id}/problems", headers=await auth("t0004"),
                                     json={"title": "学生课堂提问不积极", "description": "多数学生不愿举手"})
            assert problem.status_code == 201, problem.text
        async with session_factory() as session:  # a topic and its training, as the run would leave them
            staff_id = await session.scalar(select(User.id).where(User.username == "staff01"))
            topic = Topic(campaign_id=campaign_id, position=0, title="课堂提问", problem_ids=[],
                          lead_user_id=staff_id, confirmed_by=staff_id)
            session.add(topic)
            await session.flush()
            starts_at = now + timedelta(days=3)
            session.add(Training(campaign_id=campaign_id, topic_id=topic.id, title="提问的艺术", expert="李教授",
                                 starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), scheduled_by=staff_id))
            await session.commit()
        try:
            yield base_url, campaign_id
        finally:  # workflow ids repeat across tests (every database numbers from 1)
            async with session_factory() as session:
                ids = [*await session.scalars(select(Campaign.workflow_id)),
                       *[workflow_ids.series(id) for id in await session.scalars(select(Series.id))]]
            for workflow_id in ids:
                try:
                    await local_env.client.get_workflow_handle(workflow_id).terminate("test over")
                except Exception:  # noqa: BLE001 - already finished is fine
                    pass


def _shape(path: str) -> str:
    """Pages that differ only in their ids are one page to check (every run, every inbox item)."""
    return re.sub(r"\d+", "N", path)


async def _console_links(page) -> list[str]:
    hrefs = await page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    return [href.split("#")[0] for href in hrefs if href.startswith("/console") and "/static/" not in href]


async def _visit_all(page, base_url: str, role: str, starts: list[str], *, on_phone: bool) -> tuple[list[str], list[str]]:
    """Follows the console's links from `starts`; on each page, axe's serious and critical
    violations and, on a phone, what 200 % text cuts off. Returns (pages visited, problems found)."""
    seen, queue, visited, problems = set(), list(starts), [], []
    while queue:
        path = queue.pop(0)
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        await page.goto(base_url + path)
        if page.url.removeprefix(base_url) != path:  # an inbox item opens its link
            path = page.url.removeprefix(base_url)
            if _shape(path) in seen:
                continue
            seen.add(_shape(path))
        visited.append(path)
        title, lang = await page.title(), await page.get_attribute("html", "lang")
        if lang != "zh-CN" or not title.removesuffix(" · 教研流").strip():
            problems.append(f"{role} {path}: lang={lang!r}, title={title!r} (zh-CN and a title that says where one is)")
        results = (await AXE.run(page)).response
        for violation in results["violations"]:
            if violation["impact"] in FAILING_IMPACTS:
                problems += [f"{role} {path}: {violation['id']} ({violation['impact']}) at {', '.join(node['target'])}"
                             f": {node['failureSummary'].splitlines()[1].strip()}" for node in violation["nodes"]]
        if on_phone:
            problems += await _cut_off_at_double_text(page, f"{role}-{_shape(path).strip('/').replace('/', '-')}", path)
        queue += await _console_links(page)
    return visited, problems


async def _cut_off_at_double_text(page, name: str, path: str) -> list[str]:
    """200 % text (the root font size, as a browser's text-size setting does): the page may grow
    taller, never wider than the phone (wide tables scroll inside their own box)."""
    await page.evaluate("document.documentElement.style.fontSize = '200%'")  # CSSOM: the CSP allows it
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    await screenshot(page, f"a11y-200pct-{name}")
    await page.evaluate("document.documentElement.style.fontSize = ''")
    return [f"{name} {path}: {overflow}px wider than the screen at 200 % text"] if overflow > 0 else []


async def test_every_reachable_page_passes_axe_and_scales_to_double_text(console, browser):
    base_url, campaign_id = console
    demo_pages = [f"/console/campaigns/{campaign_id}", "/console/series", "/console/inbox", "/console/me/tasks"]
    found, pages = [], defaultdict(list)
    # Staff and admins at their desks; teachers on phones, some with large text (the audit).
    for role, username, on_phone in (("staff", "staff01", False), ("teacher", "t0003", True), ("admin", "admin", False)):
        page = await log_in(browser, base_url, username)
        if not on_phone:
            await page.set_viewport_size({"width": 1280, "height": 800})
        pages[role], problems = await _visit_all(page, base_url, role, [page.url.removeprefix(base_url), *demo_pages],
                                                 on_phone=on_phone)
        found += problems
        await page.context.close()
    assert not found, "\n".join(found)
    # The crawl reached the pages the demo data makes (a guard against a crawl that stops early).
    for role, needed in (("staff", ["/problems", "/plan", "/trainings/", "/console/runs/campaign-", "/console/sessions/",
                                    "/notifications/failed"]),
                         ("teacher", ["/problems/new", "/console/sessions/", "/trainings/"])):
        assert all(any(part in path for path in pages[role]) for part in needed), (role, pages[role])


async def _focused(page, expression: str = "el.id"):
    return await page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


async def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Presses Tab until `selector` has focus: reachable by keyboard, or the test fails."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            assert await _focused(page, "getComputedStyle(el).outlineStyle") != "none", f"no focus ring on {selector}"
            return
    raise AssertionError(f"{selector} not reachable with Tab on {page.url}")


async def _press(page, key: str) -> None:
    async with page.expect_navigation():
        await page.keyboard.press(key)


async def test_a_teacher_submits_a_problem_and_votes_with_the_keyboard_alone(console, browser):
    base_url, campaign_id = console
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{base_url}/console/login")
    await _tab_to(page, "#f-username")
    await page.keyboard.type("t0003")
    await page.keyboard.press("Tab")
    await page.keyboard.type("demo-pass")
    await _press(page, "Enter")

    # The first Tab on a page finds the skip link; Enter takes focus past the header to the content.
    await page.keyboard.press("Tab")
    assert await _focused(page, "el.textContent") == "跳到正文"
    await page.keyboard.press("Enter")
    assert await _focused(page) == "main"

    await _tab_to(page, f"main a[href='/console/campaigns/{campaign_id}']")
    await _press(page, "Enter")
    await _tab_to(page, "#submit-problem")
    await _press(page, "Enter")

    # Refused (no title): focus lands on the field in error, which names its message.
    await _tab_to(page, "#f-title")
    await _press(page, "Enter")
    assert await _focused(page) == "f-title"
    assert await _focused(page, "el.getAttribute('aria-describedby')") == "error-title"
    await page.keyboard.type("学生不会整理错题")
    await page.keyboard.press("Tab")
    await page.keyboard.type("错题本只抄不改")
    await _tab_to(page, "main button[type=submit]")
    await _press(page, "Enter")
    assert "我提交的" in await page.inner_text("#problems")

    await _tab_to(page, "#problems form[action$='/vote'] button")
    await _press(page, "Space")
    assert page.url.endswith("done=vote")
    assert "1 票" in await page.inner_text("#problems .problem:has-text('学生课堂提问不积极')")
    await context.close()
