"""The analysts' pages in Datasette (routed by browse_plugins/draftwatch_pages.py), read-only.

- `/-/search?q=…`: the bot's query language, newest first, with facets by channel, category,
  region and ISO week; a facet value adds its filter to the query.
- `/-/post/N`: a post's versions side by side (each with what changed and its capture's
  SHA-256), its media (photos shown), their OCR text, the places it names and its channel's
  home region.
- `/-/media/SHA256`: a media file from MEDIA_DIR, only one the `media` table names by that
  hash; images inline with their type (`?thumb=1`: a small JPEG made by Pillow), anything else
  as a download; never a path from a request.

Every page asks Datasette for view-instance, so BROWSE_PASSWORD_HASH guards them as it guards
Datasette's own pages. Templates autoescape: nothing from the archive is trusted HTML.
"""

from __future__ import annotations

import asyncio
import difflib
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from datasette import Forbidden, NotFound
from datasette.utils.asgi import AsgiFileDownload, Request, Response
from markupsafe import Markup, escape
from PIL import Image, ImageOps

from monitor.errors import QueryError
from monitor.search.browse import MATCHED_SQL, PLUGIN
from monitor.search.query import parse_query

RESULTS = 100
THUMB = 480  # pixels, the longer side of a photo on a post's page (?thumb=1)
FACET_VALUES = 12
# Shown inline; anything else (SVG, which can carry script, HTML, video) is a download.
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
}

RESULTS_SQL = f"""
select posts.id, posts.date, posts.text, posts.deleted_at is not null as deleted,
       coalesce('@' || channels.username, channels.telegram_id) as channel,
       (select group_concat(distinct hits.category) from hits where hits.post_id = posts.id)
         as categories,
       (select count(*) from post_versions v where v.post_id = posts.id) as versions,
       (select count(*) from media m where m.post_id = posts.id) as media
from posts join channels on channels.id = posts.channel_id
where posts.id in ({MATCHED_SQL})
order by posts.date desc limit {RESULTS}
"""
FACET_SQL = {
    "channel": f"""select coalesce('@' || channels.username, channels.telegram_id) as value,
        count(*) as n from posts join channels on channels.id = posts.channel_id
        where posts.id in ({MATCHED_SQL}) group by value order by n desc, value""",
    "category": f"""select category as value, count(distinct post_id) as n from hits
        where post_id in ({MATCHED_SQL}) group by value order by n desc, value""",
    "region": f"""select region as value, count(distinct post_id) as n from post_places
        where not ambiguous and post_id in ({MATCHED_SQL}) group by value
        order by n desc, value""",
    "week": f"""select draftwatch_week(date) as value, count(*) as n from posts
        where id in ({MATCHED_SQL}) group by value order by value desc""",
}
POST_SQL = """
select posts.id, posts.message_id, posts.date, posts.deleted_at, posts.media_kind, posts.views,
       posts.forwards, posts.forwarded_from, channels.username, channels.title,
       channels.telegram_id, channel_regions.region as home_region
from posts join channels on channels.id = posts.channel_id
left join channel_regions on channel_regions.channel_id = channels.id
where posts.id = :id
"""
VERSIONS_SQL = """select version, edit_date, seen_at, text from post_versions
where post_id = :id order by version"""
CAPTURES_SQL = """select kind, version, source, captured_at, sha256 from evidence_captures
where post_id = :id order by id"""
MEDIA_SQL = """select id, position, kind, mime, size, sha256, width, height, state, ocr_state,
       ocr_text, file_name from media where post_id = :id order by position, message_id"""
PLACES_SQL = """select place_id, region, ambiguous, how, mention from post_places
where post_id = :id order by ambiguous, region, mention"""
HITS_SQL = "select category, rule_id from hits where post_id = :id order by category, rule_id"


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int
    href: str


async def _allowed(datasette: Any, request: Request) -> None:
    if not await datasette.permission_allowed(request.actor, "view-instance", default=True):
        raise Forbidden("view-instance")


def _with_filter(query: str, key: str, value: str) -> str:
    if key == "week":
        year, week = value.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        added = f"since:{monday.isoformat()} until:{(monday + timedelta(days=6)).isoformat()}"
    else:
        added = f"{key}:{value}"
    return f"{query} {added}".strip()


def _href(query: str) -> str:
    from urllib.parse import urlencode

    return "/-/search?" + urlencode({"q": query})


async def search_page(datasette: Any, request: Request) -> Response:
    await _allowed(datasette, request)
    query = request.args.get("q", "").strip()
    db = datasette.get_database()
    error = rows = None
    facets: dict[str, list[FacetValue]] = {}
    if query:
        try:
            parse_query(query)
        except QueryError as e:
            error = e.problem
    if query and error is None:
        rows = (await db.execute(RESULTS_SQL, {"q": query})).rows
        for key, sql in FACET_SQL.items():
            found = (await db.execute(sql, {"q": query})).rows[:FACET_VALUES]
            facets[key] = [
                FacetValue(
                    str(r["value"]), r["n"], _href(_with_filter(query, key, str(r["value"])))
                )
                for r in found
                if r["value"] is not None
            ]
    html = await datasette.render_template(
        "dw_search.html",
        {"q": query, "error": error, "rows": rows, "facets": facets, "limit": RESULTS},
        request=request,
    )
    return Response.html(html)


def changes(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level changes from one version to the next: (op, text), op one of '', '+', '-'."""
    old, new = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    parts: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if op == "equal":
            parts.append(("", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            parts.append(("-", "".join(old[a1:a2])))
        if b2 > b1:
            parts.append(("+", "".join(new[b1:b2])))
    return parts


async def post_page(datasette: Any, request: Request) -> Response:
    await _allowed(datasette, request)
    post_id = int(request.url_vars["id"])
    db = datasette.get_database()
    found = (await db.execute(POST_SQL, {"id": post_id})).rows
    if not found:
        raise NotFound(f"No post {post_id} in the archive")
    params = {"id": post_id}
    versions = [dict(r) for r in (await db.execute(VERSIONS_SQL, params)).rows]
    captures = [dict(r) for r in (await db.execute(CAPTURES_SQL, params)).rows]
    for i, version in enumerate(versions):
        previous = versions[i - 1]["text"] if i else None
        version["changes"] = changes(previous, version["text"]) if previous is not None else None
        version["captures"] = [c for c in captures if c["version"] == version["version"]]
    media = [dict(r) for r in (await db.execute(MEDIA_SQL, params)).rows]
    for item in media:
        item["inline"] = bool(item["sha256"]) and item["mime"] in INLINE_IMAGES
    html = await datasette.render_template(
        "dw_post.html",
        {
            "post": dict(found[0]),
            "versions": versions,
            "deletions": [c for c in captures if c["kind"] != "version"],
            "media": media,
            "places": [_place(dict(r)) for r in (await db.execute(PLACES_SQL, params)).rows],
            "hits": (await db.execute(HITS_SQL, params)).rows,
            "region_label": _region_label,
        },
        request=request,
    )
    return Response.html(html)


def _region_label(slug: str | None) -> str:
    from monitor.places.render import region_label

    if not slug:
        return ""
    try:
        return f"{region_label(slug)} [{slug}]"
    except (KeyError, ValueError):
        return slug


def _place(row: dict[str, Any]) -> dict[str, Any]:
    from monitor.places.gazetteer import default_gazetteer

    place = default_gazetteer().by_id.get(row["place_id"]) if row["place_id"] else None
    row["name"] = place.label() if place else None
    row["region_name"] = _region_label(row["region"])
    return row


def thumbnail(path: Path) -> bytes | None:
    """A JPEG at most THUMB pixels on its longer side (turned upright by its EXIF); None when
    Pillow cannot read the file or it is too large to decode (a decompression bomb)."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (THUMB, THUMB))  # JPEG: decode at a fraction of the size
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    upright.thumbnail((THUMB, THUMB))
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=80)
    return out.getvalue()


async def media_file(datasette: Any, request: Request) -> Response | AsgiFileDownload:
    await _allowed(datasette, request)
    sha256 = request.url_vars["sha256"]
    folder = (datasette.plugin_config(PLUGIN) or {}).get("media_dir")
    if not _SHA256.match(sha256) or not folder:
        raise NotFound("No such media file")
    db = datasette.get_database()
    rows = (
        await db.execute("select mime from media where sha256 = :s limit 1", {"s": sha256})
    ).rows
    path = Path(folder) / sha256[:2] / sha256[2:4] / sha256
    if not rows or not path.is_file():
        raise NotFound("No such media file")
    mime = rows[0]["mime"]
    if mime in INLINE_IMAGES and request.args.get("thumb"):
        small = await asyncio.to_thread(thumbnail, path)
        if small is not None:
            return Response(small, content_type="image/jpeg", headers=FILE_HEADERS)
    if mime in INLINE_IMAGES:
        return AsgiFileDownload(str(path), content_type=mime, headers=FILE_HEADERS)
    return AsgiFileDownload(str(path), filename=sha256, headers=FILE_HEADERS)


def forbidden_page(datasette: Any, request: Request, message: str) -> Response | None:
    """A visitor without the password: 403, with the way to log in."""
    if request.actor:
        return None
    body = Markup(
        "<!DOCTYPE html><title>Password needed</title><h1>Password needed</h1>"
        '<p>This archive asks for a password: <a href="/-/login">log in</a>.</p>'
        "<p>{}</p>"
    ).format(escape(message))
    return Response.html(str(body), status=403)


def routes() -> list[tuple[str, Any]]:
    """The pages, for Datasette's register_routes."""
    return [
        (r"^/-/search$", search_page),
        (r"^/-/post/(?P<id>[0-9]{1,18})$", post_page),
        (r"^/-/media/(?P<sha256>[0-9a-f]{64})$", media_file),
    ]
