"""End to end: the real app (e5 index of the bundled report, llama.cpp model) in headless Debian Chromium.

Set APP_SCREENSHOT=docs/screenshot.png to also save the screenshot of the answered chat there.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from settings import DEFAULT_CORPUS, PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "北京积水潭医院赋予研发人员多少比例的所有权？"
FOLLOW_UP = "那它比非一单制模式缩短了几天运输时间？"
LABEL = "专栏 1 试点示范省市科技成果转化赋权案例 › 第1段"
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
def app_url(e5_index, tmp_path_factory):
    """The real app on a free localhost port, serving the session's e5 index of the bundled report (one app for
    the module's tests; each test opens its own page, i.e. its own session)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--index", str(e5_index), "--corpus", str(DEFAULT_CORPUS),
                                 "--host", "127.0.0.1", "--port", str(port)],
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


@pytest.fixture
def page(app_url):
    """A headless Chromium page on the app, once the app says it is ready."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(app_url)
            expect(page.locator("#app-status")).to_contain_text("就绪", timeout=START_TIMEOUT_S * 1000)
            yield page
        finally:
            browser.close()


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
