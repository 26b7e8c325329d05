"""The analysts' web view in a real headless browser (Chromium driven by Selenium): open the
archive served by `python bot.py browse`, search with the query language, open a post and see
its versions side by side."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.config import variables
from tests.search.test_browse import ROOT, _listening, _seeded_file

webdriver = pytest.importorskip("selenium.webdriver")
By = pytest.importorskip("selenium.webdriver.common.by").By
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs chromium and chromedriver",
)


@pytest.fixture
def served(db_url: str, clean_env: Path) -> Iterator[str]:
    """`python bot.py browse` on a seeded archive; its address."""
    asyncio.run(_seeded_file(db_url))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in variables()}
    env |= {"DATABASE_URL": db_url, "CACHE_DIR": str(clean_env / "cache")}
    log = clean_env / "browse.log"
    with log.open("w", encoding="utf-8") as output:
        browse = subprocess.Popen(
            [sys.executable, str(ROOT / "bot.py"), "browse", "--port", str(port)],
            cwd=clean_env, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        while not _listening(port):  # the test's timeout bounds the wait
            assert browse.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        browse.send_signal(signal.SIGTERM)
        try:
            browse.wait(timeout=60)
        except subprocess.TimeoutExpired:
            browse.kill()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER)
    )
    driver.implicitly_wait(10)
    try:
        yield driver
    finally:
        driver.quit()


def test_an_analyst_searches_and_opens_a_post_with_its_versions(served: str, browser: Any) -> None:
    browser.get(f"{served}/archive/search")
    assert "Search posts (finds inflected forms)" in browser.page_source
    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys("повестка channel:@dvizh_mel since:2024-11-10")
    box.submit()
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    texts = [row.text for row in rows]
    joined = "\n".join(texts)
    assert len(texts) == 2, joined  # posts 2 (the 22nd) and 1 (the 20th), newest first
    assert "Энергодара вручают повестку" in texts[0]  # an inflected form
    assert "раздают повестки прямо у входа" in texts[1]
    assert "учителю" not in joined  # deleted (deleted:yes shows it)
    assert "Учения" not in joined  # the 5th: before since:
    assert "Бердянську" not in joined  # another channel

    link = browser.find_element(By.XPATH, "//tr[contains(., 'Энергодара')]//a[@class='dw-post']")
    link.click()
    assert "A post and its versions" in browser.page_source
    versions = [
        row.text
        for row in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    ]
    assert len(versions) == 2  # the post, then its edit
    assert "Явка обязательна" not in versions[0]
    assert "Явка обязательна" in versions[1]
