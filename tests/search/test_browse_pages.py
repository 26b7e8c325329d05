"""The analysts' pages of the web view (Datasette in process, on a real archive file): search
with facets, a post with versions side by side, media, OCR, places and hashes; media files
served only by a hash the archive names; everything escaped; the optional password."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from monitor.cli import app
from monitor.search.browse import PLUGINS_DIR, TEMPLATES_DIR, datasette_metadata
from monitor.search.webview import THUMB, thumbnail
from tests.search.web_archive import (
    CAPTURES,
    HOSTILE,
    OCR_TEXT,
    PHOTO,
    SVG,
    WebArchive,
    seed_web,
)

datasette_app = pytest.importorskip("datasette.app")
pytestmark = pytest.mark.sqlite_only("datasette opens the SQLite file itself")
HASH = "pbkdf2_sha256$480000$c2FsdHNhbHQ$Q2E0v0hG0cK0s8gZL0x6H7cZ9y8w1q2r3t4u5v6w7x8="


@pytest.fixture
async def archive(db_url: str, tmp_path: Path) -> WebArchive:
    return await seed_web(db_url, tmp_path / "media")


def _datasette(archive: WebArchive, *, password: bool = False) -> Any:
    return datasette_app.Datasette(
        immutables=[str(archive.path)],
        metadata=datasette_metadata(
            archive.path.stem, media_dir=archive.media_dir, password=password
        ),
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        settings={"allow_download": False},
    )


async def _page(ds: Any, url: str, status: int = 200) -> str:
    response = await ds.client.get(url)
    assert response.status_code == status, response.text
    return str(response.text)


async def test_the_post_page_shows_versions_side_by_side_with_media_places_and_hashes(
    archive: WebArchive,
) -> None:
    page = await _page(_datasette(archive), f"/-/post/{archive.post}")
    assert page.count('class="dw-version"') == 2
    assert "<ins> Явка обязательна.</ins>" in page  # what the edit added
    for sha in CAPTURES:
        assert sha in page
    assert f'<img src="/-/media/{archive.photo_sha256}?thumb=1"' in page
    assert html.escape(OCR_TEXT, quote=False) in page.replace("&#39;", "'")
    assert "<b>негайно</b>" not in page
    assert "Енергодар" in page  # the place's name from the gazetteer, and its region
    assert "Запорізька" in page
    assert 'class="dw-home-region"' in page


async def test_media_files_are_served_only_by_a_hash_the_archive_names(
    archive: WebArchive,
) -> None:
    ds = _datasette(archive)
    photo = await ds.client.get(f"/-/media/{archive.photo_sha256}")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert photo.content == PHOTO.read_bytes()
    thumb = await ds.client.get(f"/-/media/{archive.photo_sha256}?thumb=1")
    assert thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as small, Image.open(PHOTO) as full:
        assert max(small.size) == THUMB < max(full.size)
        assert abs(small.width / small.height - full.width / full.height) < 0.02
    svg = await ds.client.get(f"/-/media/{archive.svg_sha256}")  # script-capable: a download
    assert svg.headers["content-type"] == "application/octet-stream"
    assert "attachment" in svg.headers["content-disposition"]
    assert svg.content == SVG
    svg = await ds.client.get(f"/-/media/{archive.svg_sha256}?thumb=1")  # no image: as before
    assert svg.headers["content-type"] == "application/octet-stream"
    stray = archive.media_dir / "ab" / "cd" / ("abcd" + "0" * 60)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"not in the media table")
    for url in (
        f"/-/media/{stray.name}",  # a file on disk the archive does not name
        f"/-/media/{archive.photo_sha256.upper()}",
        f"/-/media/{archive.photo_sha256[:-1]}",
    ):
        assert (await ds.client.get(url)).status_code == 404, url
    for url in (
        "/-/media/..%2F..%2F..%2Fetc%2Fpasswd",
        "/-/media/../../archive.db",
        f"/-/media/{archive.photo_sha256}/../../../archive.db",
        f"/-/media/{archive.photo_sha256}%2F..%2F..%2Farchive.db",
    ):
        response = await ds.client.get(url, follow_redirects=True)  # httpx folds the ..
        assert response.status_code in (403, 404), url
        assert b"SQLite format 3" not in response.content, url
        assert b"root:" not in response.content, url


async def test_search_has_facets_by_channel_category_region_and_week(
    archive: WebArchive,
) -> None:
    ds = _datasette(archive)
    page = await _page(ds, "/-/search?q=повестка")
    assert "5 posts" in page  # 1, 2, 3, 5 and the hostile 8; 7 is deleted
    facets = {key: page.split(f'id="facet-{key}"')[1].split("</div>")[0] for key in (
        "channel", "category", "region", "week")}  # fmt: skip
    assert "@dvizh_mel</a> 4" in facets["channel"]
    assert "@zp_online</a> 1" in facets["channel"]
    assert "summons</a> 5" in facets["category"]
    assert "zaporizhzhia</a> 1" in facets["region"]
    assert "kherson</a> 1" in facets["region"]
    assert "2024-W47</a> 4" in facets["week"]  # the 18th, 20th, 22nd, 24th
    assert "2024-W45</a> 1" in facets["week"]  # the 5th
    assert (
        'href="/-/search?q=%D0%BF%D0%BE%D0%B2%D0%B5%D1%81%D1%82%D0%BA%D0%B0+since%3A2024-11-18+until%3A2024-11-24"'
        in page
    )
    week = await _page(ds, "/-/search?q=повестка since:2024-11-18 until:2024-11-24")
    assert "4 posts" in week
    region = await _page(ds, "/-/search?q=region:zaporizhzhia")
    assert "1 post," in region
    assert "Энергодара" in region


async def test_a_bad_query_says_what_to_fix(archive: WebArchive) -> None:
    page = await _page(_datasette(archive), '/-/search?q=повестка "вручают')
    assert (
        "Cannot search for ‘повестка &#34;вручают’: a &#34;phrase&#34; is missing its closing"
        in page
    )
    assert page.count("annot search for") == 1


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("повестка channel:@dvizh_mel channel:@zp_online", 5),  # several channels: any
        ('channel:"Запоріжжя онлайн"', 3),  # by exact title
        ("channel:1002", 3),  # by id
        ("category:raid category:summons", 6),  # several categories: any
        ("hit:no", 1),  # the weather
        ("edited:yes", 1),
        ("place:Энергодар", 1),
        ("region:occupied", 2),  # Zaporizhzhia and Kherson oblasts
        ("повестка deleted:yes", 1),
    ],
)
async def test_the_search_page_takes_every_filter(
    archive: WebArchive, query: str, shown: int
) -> None:
    page = await _page(_datasette(archive), f"/-/search?q={query}")
    count = page.split('class="dw-count">')[1].split(" ")[0]
    assert int(count) == shown, query


async def test_hostile_text_is_shown_as_text_everywhere(archive: WebArchive) -> None:
    ds = _datasette(archive)
    for url in (
        "/-/search?q=школе",
        f"/-/post/{archive.hostile}",
        "/archive/search?q=школе",
        f"/archive/posts/{archive.hostile}",
    ):
        page = await _page(ds, url)
        assert "<script>window" not in page, url
        assert "<img src=x" not in page, url
        assert "&lt;script&gt;" in page, url
    post = await _page(ds, f"/-/post/{archive.hostile}")
    assert "<svg onload" not in post
    assert "&lt;svg onload=window.dwHacked=3&gt;" in post
    assert "<i>Херсонщина" not in post
    assert "&lt;i&gt;Херсонщина" in post
    assert "download document" in post  # the SVG: a link, never an <img>
    assert f'<img src="/-/media/{archive.svg_sha256}' not in post
    assert HOSTILE not in post


async def test_with_a_password_a_visitor_without_it_is_refused(
    archive: WebArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSE_PASSWORD_HASH", HASH)
    ds = _datasette(archive, password=True)
    for url in (
        "/",
        "/-/search?q=повестка",
        f"/-/post/{archive.post}",
        f"/-/media/{archive.photo_sha256}",
        "/archive/posts.json",
        "/archive/search?q=повестка",
    ):
        response = await ds.client.get(url)
        assert response.status_code == 403, url
        assert "Энергодар" not in response.text
    assert "log in" in (await ds.client.get("/-/search")).text
    analyst = {"ds_actor": ds.sign({"a": {"id": "analyst"}}, "actor")}
    response = await ds.client.get("/-/search?q=повестка", cookies=analyst)
    assert response.status_code == 200
    assert "Энергодара" in response.text
    for url in ("/-/metadata.json", "/-/plugins.json", "/-/settings.json", "/-/actor.json"):
        shown = await ds.client.get(url, cookies=analyst)
        assert HASH not in shown.text, url
        assert HASH.split("$")[3] not in shown.text, url
    someone = {"ds_actor": ds.sign({"a": {"id": "someone"}}, "actor")}
    assert (await ds.client.get("/-/search", cookies=someone)).status_code == 403


async def test_private_tables_arbitrary_sql_and_the_file_download_are_refused(
    archive: WebArchive,
) -> None:
    ds = _datasette(archive)
    for url in (
        "/archive/subscribers",
        "/archive/invites.json",
        "/archive/alerts",
        "/archive?sql=select+*+from+subscribers",
        "/archive.db",
    ):
        assert (await ds.client.get(url)).status_code == 403, url
    assert (await ds.client.get("/archive/posts")).status_code == 200


def test_the_password_hash_stays_out_of_the_command_line_and_a_bad_one_is_refused(
    archive: WebArchive, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{archive.path}")
    monkeypatch.setenv("BROWSE_PASSWORD_HASH", HASH)
    result = CliRunner().invoke(app, ["browse", "--print-command"])
    assert result.exit_code == 0, result.output
    assert "--template-dir" in result.output
    assert "pbkdf2" not in result.output
    monkeypatch.setenv("BROWSE_PASSWORD_HASH", "hunter2")
    result = CliRunner().invoke(app, ["browse", "--print-command"])
    assert result.exit_code != 0
    assert "BROWSE_PASSWORD_HASH" in result.output
    assert "datasette hash-password" in result.output
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output


def test_a_file_pillow_cannot_read_gets_no_thumbnail(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    assert thumbnail(junk) is None
    assert thumbnail(PHOTO) is not None
