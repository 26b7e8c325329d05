"""The analysts' web view in a real headless browser (Chromium driven by Selenium): open the
archive served by `python bot.py browse`, search with the query language, narrow by a facet,
open a post and see its versions side by side, its photo (loaded), OCR text and place; with
BROWSE_PASSWORD_HASH set, a visitor without the password is refused, the analyst logs in."""

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
from tests.search.test_browse import ROOT, _listening
from tests.search.web_archive import OCR_TEXT, WebArchive, seed_web

webdriver = pytest.importorskip("selenium.webdriver")
By = pytest.importorskip("selenium.webdriver.common.by").By
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
        reason="needs chromium and chromedriver",
    ),
    pytest.mark.sqlite_only("datasette opens the SQLite file itself"),
]


PASSWORD = "correct horse battery"


@pytest.fixture
def archive(db_url: str, clean_env: Path) -> WebArchive:
    return asyncio.run(seed_web(db_url, clean_env / "media"))


@pytest.fixture(params=[False], ids=["open"])
def served(
    request: pytest.FixtureRequest, db_url: str, archive: WebArchive, clean_env: Path
) -> Iterator[str]:
    """`python bot.py browse` on a seeded archive (with a password when the param says so);
    its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in variables()}
    env |= {
        "DATABASE_URL": db_url,
        "CACHE_DIR": str(clean_env / "cache"),
        "MEDIA_DIR": str(archive.media_dir),
    }
    if request.param:
        from datasette_auth_passwords.utils import hash_password

        env["BROWSE_PASSWORD_HASH"] = hash_password(PASSWORD)
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
    shown = log.read_text(encoding="utf-8")
    assert "Traceback" not in shown
    if request.param:  # neither the hash nor the password reaches the output
        assert env["BROWSE_PASSWORD_HASH"].split("$")[3] not in shown
        assert PASSWORD not in shown
        assert "password required, user analyst" in shown


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


def _rows(browser: Any) -> list[str]:
    return [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.dw-results tbody tr")]


def test_an_analyst_searches_and_opens_a_post_with_its_photo_ocr_and_place(
    served: str, browser: Any, archive: WebArchive
) -> None:
    browser.get(served)
    browser.find_element(By.LINK_TEXT, "Search the posts").click()
    box = browser.find_element(By.NAME, "q")
    box.send_keys("повестка since:2024-11-10")
    box.submit()
    texts = _rows(browser)
    joined = "\n".join(texts)
    assert len(texts) == 4, joined  # the 24th (hostile), 22nd, 20th, 18th, newest first
    assert "<script>" in texts[0]  # the hostile post, shown as text
    assert browser.execute_script("return window.dwHacked === undefined")
    assert "учителю" not in joined  # deleted (deleted:yes shows it)
    assert "Учения" not in joined  # the 5th: before since:

    facet = browser.find_element(By.ID, "facet-channel")
    assert "@dvizh_mel 3" in facet.text
    assert "@zp_online 1" in facet.text
    assert "zaporizhzhia 1" in browser.find_element(By.ID, "facet-region").text
    facet.find_element(By.LINK_TEXT, "@dvizh_mel").click()  # the facet narrows the query
    assert browser.find_element(By.NAME, "q").get_attribute("value") == (
        "повестка since:2024-11-10 channel:@dvizh_mel"
    )
    texts = _rows(browser)
    assert len(texts) == 3
    assert "Бердянську" not in "\n".join(texts)

    link = browser.find_element(By.XPATH, "//tr[contains(., 'Энергодара')]//a[@class='dw-post']")
    link.click()
    versions = browser.find_elements(By.CSS_SELECTOR, "section.dw-version")
    assert len(versions) == 2  # the post, then its edit, side by side
    assert "Явка обязательна" not in versions[0].text
    assert "Явка обязательна" in versions[1].find_element(By.TAG_NAME, "ins").text
    assert versions[0].location["y"] == versions[1].location["y"]  # beside, not below
    assert "a" * 64 in versions[0].text
    assert "b" * 64 in versions[1].text

    photo = browser.find_element(By.CSS_SELECTOR, ".dw-media img")
    loaded = browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", photo
    )
    assert loaded > 0, "the photo did not load"
    assert OCR_TEXT in browser.find_element(By.CSS_SELECTOR, ".dw-ocr").text
    places = browser.find_element(By.CSS_SELECTOR, ".dw-places").text
    assert "Энергодара: Енергодар / Энергодар (Запорізька область)" in places


def test_the_datasette_search_still_takes_the_query_language(served: str, browser: Any) -> None:
    browser.get(f"{served}/archive/search")
    assert "Search posts (finds inflected forms)" in browser.page_source
    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys("повестка channel:@dvizh_mel since:2024-11-10 until:2024-11-23")
    box.submit()
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    texts = [row.text for row in rows]
    assert len(texts) == 2, texts  # posts 2 (the 22nd) and 1 (the 20th), newest first
    assert "Энергодара вручают повестку" in texts[0]
    assert "раздают повестки прямо у входа" in texts[1]
    browser.find_element(By.XPATH, "//tr[contains(., 'Энергодара')]//a[@class='dw-post']").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.dw-version")) == 2


@pytest.mark.parametrize("served", [True], ids=["password"], indirect=True)
def test_with_a_password_a_visitor_without_it_is_refused(
    served: str, browser: Any, archive: WebArchive
) -> None:
    for path in ("/-/search?q=повестка", f"/-/post/{archive.post}", "/archive/posts"):
        browser.get(served + path)
        assert "Password needed" in browser.page_source
        assert "Энергодар" not in browser.page_source
    photo = browser.execute_script(
        "const r = new XMLHttpRequest(); r.open('GET', arguments[0], false); r.send();"
        " return r.status;",
        f"/-/media/{archive.photo_sha256}",
    )
    assert photo == 403
    browser.find_element(By.LINK_TEXT, "log in").click()
    browser.find_element(By.NAME, "username").send_keys("analyst")
    browser.find_element(By.NAME, "password").send_keys("wrong password")
    browser.find_element(By.CSS_SELECTOR, "form.password-login input[type=submit]").click()
    error = browser.find_element(By.CSS_SELECTOR, "p.message-error")  # waits for the page
    assert error.text == "Invalid username or password"
    browser.find_element(By.NAME, "username").send_keys("analyst")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.password-login input[type=submit]").click()
    browser.find_element(By.LINK_TEXT, "Search the posts").click()  # the index, logged in
    box = browser.find_element(By.NAME, "q")
    box.send_keys("повестка")
    box.submit()
    browser.find_element(By.CSS_SELECTOR, "table.dw-results")
    assert "Энергодара" in browser.page_source
