"""The library in the console at phone width (browser): a teacher uploads a Word plan through the
form, sees the resource it nearly copies before publishing, publishes; another school's teacher
finds it by meaning, bookmarks it and records a use; staff see the figures. And a served file never
renders as a page: a GIF that is also an HTML page with a script is shown as an image or downloaded,
its script never runs."""

import pytest

from tests.browser import chromium, log_in, screenshot, served
from tests.library_support import POLYGLOT, docx
from tests.test_library_search import LESSON

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


async def _no_wider_than_the_phone(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


async def test_upload_publish_find_borrow_and_figures_at_phone_width(settings, session_factory, demo, ts_env, tmp_path):
    original, edited = tmp_path / "秋天的雨.docx", tmp_path / "秋天的雨（改）.docx"
    original.write_bytes(docx(*LESSON))
    edited.write_bytes(docx(*LESSON[:4], "四、作业：写几句话描绘你眼中的秋天。"))
    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        author = await log_in(browser, base_url, "t0002", next_path="/console/library/upload")
        await author.set_input_files("#f-file", str(original))
        await author.click("button:has-text('上传')")
        await author.fill("#f-title", "《秋天的雨》教学设计")
        await author.fill("#f-subject", "语文")
        await author.click("button:has-text('发布')")
        assert "已发布到合作教研云" in await author.inner_text("main")
        await _no_wider_than_the_phone(author)
        await screenshot(author, "library-resource")

        copier = await log_in(browser, base_url, "t0021", next_path="/console/library/upload")
        await copier.set_input_files("#f-file", str(edited))
        await copier.click("button:has-text('上传')")
        assert "《秋天的雨》教学设计" in await copier.inner_text("[role=alert]")  # shown before publishing
        await screenshot(copier, "library-near-copy")

        reader = await log_in(browser, base_url, "t0007", next_path="/console/library?q=带学生感受秋季景色的语文课")
        await reader.click("a:has-text('《秋天的雨》教学设计')")
        await reader.click("button:has-text('收藏')")
        await reader.fill("#f-note", "仿写环节改成了小组接力")
        await reader.click("button:has-text('记录借鉴')")
        text = await reader.inner_text("main")
        assert "借鉴 1" in text and "其他学校 1 所" in text and "仿写环节改成了小组接力" in text
        await _no_wider_than_the_phone(reader)

        staff = await log_in(browser, base_url, "staff01", next_path="/console/library/figures")
        assert "城区小学第一片" in await staff.inner_text("table")
        await screenshot(staff, "library-figures")


async def test_a_served_file_never_renders_as_a_page(settings, session_factory, demo, ts_env, tmp_path):
    polyglot = tmp_path / "板书.gif"
    polyglot.write_bytes(POLYGLOT)
    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        page = await log_in(browser, base_url, "t0002", next_path="/console/library/upload")
        await page.select_option("#f-kind", "courseware")
        await page.set_input_files("#f-file", str(polyglot))
        await page.click("button:has-text('上传')")
        await page.click("button:has-text('发布')")
        resource_path = page.url.removeprefix(base_url).split("?")[0]
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        assert await page.locator("img.preview").count() == 1  # the resource page shows it as an image
        async with page.expect_download() as download:  # the download link downloads; no page opens
            await page.click("a:has-text('下载')")
        assert (await download.value).suggested_filename == "板书.gif"
        opened = await page.goto(f"{base_url}{resource_path}/file?inline=true")  # the preview opened on its own
        assert opened.headers["content-security-policy"].startswith("sandbox")
        await page.wait_for_timeout(300)
        assert dialogs == [] and await page.title() != "pwned"
        assert await page.evaluate("document.querySelector('script') === null")  # an image document, not HTML
