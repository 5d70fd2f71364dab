"""End to end: the real app (e5 index of the bundled report, llama.cpp model) in headless Debian Chromium: questions,
documents added and removed in the library tab or from the command line while the app runs, a question kept to a
document chosen in the 范围 panel; and the app over a real PDF: a citation's page with the paragraph highlighted,
and the conversation exported to Word.

Set APP_SCREENSHOT=docs/screenshot.png to also save the screenshot of the answered chat there, and
APP_PAGE_SCREENSHOT=docs/page-view.png for the page view.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import pytest

from index.store import load_index
from settings import DEFAULT_CORPUS, PROJECT_ROOT
from tests.conftest import Q_ISSUER, Q_UPLOAD, UPLOAD_DOC
from webapp.page_images import pages_root

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "北京积水潭医院赋予研发人员多少比例的所有权？"
FOLLOW_UP = "那它比非一单制模式缩短了几天运输时间？"
LABEL = "专栏 1 试点示范省市科技成果转化赋权案例 › 第1段"
CLI_DOC = "云溪县建成跨境电商公共海外仓12个，服务外贸企业300余家。\n"
Q_CLI = "云溪县建成了多少个跨境电商公共海外仓？"
REFUSAL = "根据现有资料无法回答"
# a document that answers, with another figure, a question the report answers too (天津港: 1000 元左右)
SCOPE_DOC = "云港市推行“一单制”海铁联运，将单个集装箱的综合成本节省600元左右，运输时间缩短2天。\n"
Q_SCOPE = "“一单制”海铁联运将单个集装箱的综合成本节省了多少元？"
START_TIMEOUT_S = 300  # server up, index checked, model loaded (slow shared machine)
ANSWER_TIMEOUT_S = 240

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"needs Debian Chromium at {CHROMIUM} (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"app did not answer on {url}:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory) -> Path:
    """The app's own folder: its log and its uploads."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def app_index(e5_index, app_dir) -> Path:
    """A private copy of the session's e5 index of the bundled report: the library tests change it."""
    return Path(shutil.copytree(e5_index, app_dir / "index"))


@contextmanager
def _serving(index: Path, corpus: Path, folder: Path):
    """The real app on a free localhost port serving index (its uploads and log in folder); yields its URL."""
    port = _free_port()
    log = folder / "app.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--index", str(index), "--corpus", str(corpus),
                                 "--uploads", str(folder / "uploads"), "--host", "127.0.0.1", "--port", str(port)],
                                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url, proc, log, START_TIMEOUT_S)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print(f"--- app log ---\n{log.read_text(errors='replace')[-2000:]}")


@contextmanager
def _browsing(url: str):
    """A headless Chromium page on the app at url, once the app says it is ready."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            page.goto(url)
            expect(page.locator("#app-status")).to_contain_text("就绪", timeout=START_TIMEOUT_S * 1000)
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def app_url(app_index, app_dir):
    """The real app serving app_index (one app for the module's tests; each test opens its own page, i.e. its
    own session)."""
    with _serving(app_index, DEFAULT_CORPUS, app_dir) as url:
        yield url


@pytest.fixture
def page(app_url):
    """A page on the app of the bundled report."""
    with _browsing(app_url) as page:
        yield page


def test_question_answered_with_clickable_citation_and_source(page, tmp_path):
    from playwright.sync_api import expect

    page.locator("#question textarea").fill(QUESTION)
    started = time.monotonic()
    page.locator("#send").click()
    label = page.locator("#sources .source .src-label", has_text=LABEL)
    expect(label).to_be_visible(timeout=ANSWER_TIMEOUT_S * 1000)
    print(f"answer shown after {time.monotonic() - started:.1f} s")

    bot = page.locator('#chatbot [data-testid="bot"]').last  # the sources come first; the answer still streams
    expect(page.locator("#send")).to_be_enabled(timeout=ANSWER_TIMEOUT_S * 1000)
    print(f"answer complete after {time.monotonic() - started:.1f} s")
    expect(bot).to_contain_text("70%")
    cite = bot.locator("a.cite").first
    href = cite.get_attribute("href")
    assert href and href.startswith("#src-1-")
    source = page.locator(f"#sources {href}")
    expect(source.locator(".src-label")).to_contain_text(LABEL)
    expect(source.locator("mark", has_text="70%")).to_have_count(1)
    expect(source.locator(".src-meta")).to_contain_text("检索得分")

    cite.click()
    expect(source).to_be_in_viewport()
    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot))
    if os.environ.get("APP_SCREENSHOT"):
        target = PROJECT_ROOT / os.environ["APP_SCREENSHOT"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_enter_sends_a_question_typed_meanwhile_waits_and_a_follow_up_is_understood(page):
    """Enter sends; a question typed while an answer streams is not lost (sending is blocked visibly and the
    text stays); a follow-up (那它…) is rewritten with the conversation and answered from the right paragraph."""
    from playwright.sync_api import expect

    box = page.locator("#question textarea")
    box.fill("天津港“一单制”海铁联运将单个集装箱的综合成本节省了多少？")
    box.press("Enter")
    send = page.locator("#send")
    expect(send).to_be_disabled(timeout=10_000)  # answering: sending is blocked, visibly
    box.fill(FOLLOW_UP)
    box.press("Enter")  # ignored while the first answer streams: the text must stay in the box
    expect(box).to_have_value(FOLLOW_UP)
    bots = page.locator('#chatbot [data-testid="bot"]')
    expect(bots.last).to_contain_text("1000", timeout=ANSWER_TIMEOUT_S * 1000)
    expect(send).to_be_enabled(timeout=ANSWER_TIMEOUT_S * 1000)
    expect(box).to_have_value(FOLLOW_UP)
    box.press("Enter")
    expect(page.locator('#chatbot [data-testid="user"]')).to_have_count(2, timeout=10_000)
    expect(bots.last.locator(".rewrite")).to_contain_text("一单制", timeout=ANSWER_TIMEOUT_S * 1000)
    expect(bots.last).to_contain_text("4", timeout=ANSWER_TIMEOUT_S * 1000)
    expect(send).to_be_enabled(timeout=ANSWER_TIMEOUT_S * 1000)


# ---------------------------------------------------------------- documents added and removed while the app runs

def _ask(page, question: str):
    """Send a question in 问答 and wait for the whole answer; returns the answer's message."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="问答").click()
    bots = page.locator('#chatbot [data-testid="bot"]')
    before = bots.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    expect(bots).to_have_count(before + 1, timeout=30_000)
    expect(page.locator("#send")).to_be_enabled(timeout=ANSWER_TIMEOUT_S * 1000)
    return bots.last


def _expect_cited(page, bot, figure: str, doc_id: str) -> None:
    """The answer gives the figure, and its first citation links to a source paragraph of doc_id that holds it."""
    from playwright.sync_api import expect

    expect(bot).to_contain_text(figure)
    href = bot.locator("a.cite").first.get_attribute("href")
    source = page.locator(f"#sources {href}")
    expect(source.locator(".src-label")).to_contain_text(f"{doc_id} › 第1段")
    expect(source).to_contain_text(figure)


def _library(page):
    """Open 文档库; returns its message box."""
    page.get_by_role("tab", name="文档库").click()
    return page.locator("#doc-msg")


def _upload(page, path, text: str) -> None:
    """Add a .txt document in the 文档库 tab and wait until it is indexed."""
    from playwright.sync_api import expect

    path.write_text(text, encoding="utf-8")
    msg = _library(page)
    page.locator("#doc-file input[type=file]").set_input_files(str(path))
    page.locator("#doc-add").click()
    expect(msg).to_contain_text(f"已添加 {path.name}", timeout=ANSWER_TIMEOUT_S * 1000)


def _remove(page, doc_id: str) -> None:
    """Remove a document in the 文档库 tab and wait until the index no longer has it."""
    from playwright.sync_api import expect

    msg = _library(page)
    page.locator("#doc-pick input").click()
    page.get_by_role("option", name=doc_id, exact=True).click()
    page.locator("#doc-remove").click()
    expect(msg).to_contain_text(f"已删除 {doc_id}", timeout=ANSWER_TIMEOUT_S * 1000)


def test_an_uploaded_document_is_cited_in_chat_and_refused_once_removed(page, tmp_path):
    from playwright.sync_api import expect

    _upload(page, tmp_path / "upload_doc.txt", UPLOAD_DOC)
    _expect_cited(page, _ask(page, Q_UPLOAD), "0.8", "upload_doc")
    _remove(page, "upload_doc")
    expect(_ask(page, Q_UPLOAD)).to_contain_text(REFUSAL)


def test_a_document_added_from_the_command_line_is_cited_in_chat_and_refused_once_removed(page, app_index,
                                                                                          tmp_path):
    from playwright.sync_api import expect

    doc = tmp_path / "cli_doc.txt"
    doc.write_text(CLI_DOC, encoding="utf-8")
    index = ["--index", str(app_index)]
    subprocess.run([sys.executable, "-m", "index", "add", str(doc), *index], cwd=PROJECT_ROOT, check=True)
    _expect_cited(page, _ask(page, Q_CLI), "12", "cli_doc")
    subprocess.run([sys.executable, "-m", "index", "remove", "cli_doc", *index], cwd=PROJECT_ROOT, check=True)
    expect(_ask(page, Q_CLI)).to_contain_text(REFUSAL)


def test_a_question_kept_to_the_document_chosen_in_the_scope_panel_cites_only_it(page, tmp_path):
    from playwright.sync_api import expect

    _upload(page, tmp_path / "scope_doc.txt", SCOPE_DOC)

    page.get_by_role("tab", name="问答").click()
    page.locator("#chat-scope").get_by_text("范围").first.click()
    page.locator("#chat-scope-docs input").click()
    page.get_by_role("option", name="scope_doc", exact=True).click()  # offered once the library changed
    page.keyboard.press("Escape")
    bot = _ask(page, Q_SCOPE)
    expect(bot).to_contain_text("600")
    expect(bot.locator(".scope")).to_contain_text("范围：文档：《scope_doc》")
    hrefs = {a.get_attribute("href") for a in bot.locator("a.cite").all()}
    assert hrefs
    for href in hrefs:  # every citation is a paragraph of the chosen document
        expect(page.locator(f"#sources {href} .src-label")).to_contain_text("scope_doc › ")

    _remove(page, "scope_doc")  # the report's index as it was, for the other tests


# ---------------------------------------------------------------- a PDF's page, and the conversation in Word

@pytest.fixture(scope="module")
def pdf_app(e5_pdf_index, tmp_path_factory):
    """The real app over a private copy of the e5 index of the residence permit rules (a real PDF): its URL and
    its index folder."""
    folder = tmp_path_factory.mktemp("pdf-app")
    index = Path(shutil.copytree(e5_pdf_index, folder / "index"))
    with _serving(index, e5_pdf_index.parent / "corpus", folder) as url:
        yield url, index


def test_a_pdf_citation_shows_its_page_highlighted_and_the_conversation_exports_to_word(pdf_app, tmp_path):
    from docx import Document
    from PIL import Image, ImageStat
    from playwright.sync_api import expect

    url, index = pdf_app
    with _browsing(url) as page:
        bot = _ask(page, Q_ISSUER)
        expect(bot).to_contain_text("县级人民政府公安机关签发")
        cite = bot.locator("a.cite").first
        paragraph_id = page.locator(f"#sources {cite.get_attribute('href')} .src-meta").inner_text().split(" · ")[-1]
        cited = load_index(index).paragraphs[paragraph_id]
        assert cited.pages == (1,) and "第十条" in cited.text

        cite.click()
        image = page.locator("#page-view .pv-img")
        expect(image).to_be_visible(timeout=ANSWER_TIMEOUT_S * 1000)  # the first view renders the page
        src = image.get_attribute("src")
        served = Path(unquote(src.removeprefix("/gradio_api/file=")))
        assert served.parent.parent == pages_root(index).resolve() and served.name.endswith("-p0001.png")
        assert page.request.get(url.rstrip("/") + src).body() == served.read_bytes()  # the rendered page itself
        mark = page.locator("#page-view .pv-hl")
        expect(mark).to_have_count(len(cited.boxes))
        expect(mark.first).to_be_in_viewport()  # the page is scrolled to the paragraph
        pixels = Image.open(BytesIO(mark.first.screenshot())).convert("RGB")
        red, green, blue = ImageStat.Stat(pixels).median
        assert red > 200 and green > 180 and blue < red - 50  # yellow over the white page
        if os.environ.get("APP_PAGE_SCREENSHOT"):
            page.wait_for_timeout(500)  # the image has come
            page.screenshot(path=str(PROJECT_ROOT / os.environ["APP_PAGE_SCREENSHOT"]))
        page.keyboard.press("Escape")
        expect(page.locator("#page-view .pv-overlay")).to_be_hidden()

        export = page.locator("#export-chat-docx")
        expect(export).to_be_enabled(timeout=30_000)  # filled once the answer is complete
        with page.expect_download() as download:
            export.click()
        saved = tmp_path / "conversation.docx"
        download.value.save_as(saved)
    notes = [p.text for p in Document(str(saved)).paragraphs if p.style.name == "Quote"]
    assert cited.text in notes  # the note quotes the cited paragraph verbatim
