"""The archive in Datasette: generated metadata (facets, search) and the command line (pure)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from monitor.store.schema import FTS_TABLE

PLUGINS_DIR = Path(__file__).resolve().parent / "browse_plugins"
TEMPLATES_DIR = PLUGINS_DIR / "templates"
PLUGIN = "draftwatch"  # our plugin's configuration: where the media files are
# Who uses the bot, what it sent them, their feedback: not for the web view (nor is arbitrary
# SQL, which would read them anyway, nor the download of the whole file).
PRIVATE_TABLES = (
    "subscribers", "subscriptions", "alerts", "alert_sightings", "alert_feedback",
    "channel_mutes", "invites", "digests",
)  # fmt: skip
ANALYST = "analyst"  # the one account when BROWSE_PASSWORD_HASH is set
PASSWORD_VARIABLE = "BROWSE_PASSWORD_HASH"  # read by Datasette from its environment, not a file

# The ids of the posts a query finds (the bot's query language, through the plugin's functions).
MATCHED_SQL = f"""
select posts.id from posts
join channels on channels.id = posts.channel_id
where (draftwatch_match(:q) = '' or posts.id in
        (select rowid from {FTS_TABLE} where {FTS_TABLE} match draftwatch_match(:q)))
  and (draftwatch_filter(:q, 'since') is null or posts.date >= draftwatch_filter(:q, 'since'))
  and (draftwatch_filter(:q, 'until') is null or posts.date < draftwatch_filter(:q, 'until'))
  and (draftwatch_filter(:q, 'deleted') = 'any'
       or (posts.deleted_at is not null) = (draftwatch_filter(:q, 'deleted') = 'yes'))
  and draftwatch_keep(:q, channels.username, channels.title, channels.telegram_id,
        (select group_concat(distinct hits.category) from hits where hits.post_id = posts.id),
        posts.edit_date is not null,
        (select group_concat(distinct p.region) from post_places p
          where p.post_id = posts.id and not p.ambiguous),
        (select group_concat(distinct p.place_id) from post_places p
          where p.post_id = posts.id and not p.ambiguous))
"""

SEARCH_SQL = f"""
select posts.id as post, posts.date,
       coalesce('@' || channels.username, channels.telegram_id) as channel,
       posts.message_id, posts.text,
       (select group_concat(distinct hits.category) from hits where hits.post_id = posts.id)
         as categories,
       (select count(*) from post_versions v where v.post_id = posts.id) as versions,
       posts.deleted_at is not null as deleted
from posts
join channels on channels.id = posts.channel_id
where posts.id in ({MATCHED_SQL})
order by posts.date desc
limit 200
"""

# One post: each stored version beside the others (oldest first), with its channel and hits.
POST_SQL = """
select v.version, v.edit_date, v.seen_at, v.text,
       coalesce('@' || channels.username, channels.telegram_id) as channel, posts.message_id,
       posts.date, posts.media_kind as media,
       (select group_concat(hits.category || ': ' || hits.rule_id, '; ')
          from hits where hits.post_id = posts.id) as hits,
       posts.deleted_at
from posts
join channels on channels.id = posts.channel_id
join post_versions v on v.post_id = posts.id
where posts.id = :id
order by v.version
"""


def datasette_metadata(
    database: str, *, media_dir: Path | None = None, password: bool = False
) -> dict[str, Any]:
    """Datasette metadata: facets by channel, category and day; the inflection-aware search;
    where the media files are; with `password`, only the `analyst` account (its hash is read
    from the environment variable BROWSE_PASSWORD_HASH, never written here)."""
    hidden = {"hidden": True}
    shadow = ("data", "idx", "content", "docsize", "config")
    plugins: dict[str, Any] = {PLUGIN: {"media_dir": str(media_dir) if media_dir else None}}
    access: dict[str, Any] = {}
    if password:
        plugins["datasette-auth-passwords"] = {
            f"{ANALYST}_password_hash": {"$env": PASSWORD_VARIABLE}
        }
        access = {"allow": {"id": ANALYST}}
    return {
        "title": "draftwatch archive",
        "description_html": "Read-only view of the archive of watched channels. "
        '<a href="/-/search">Search the posts</a> (the bot\'s query language, with facets).',
        "plugins": plugins,
        "allow_sql": False,
        **access,
        "databases": {
            database: {
                "tables": {
                    "hit_posts": {
                        "facets": ["channel", "category", {"date": "day"}],
                        "sort_desc": "date",
                        "label_column": "text",
                    },
                    "posts": {
                        "facets": ["channel_id", {"date": "date"}],
                        "sort_desc": "date",
                        "label_column": "text",
                    },
                    "hits": {"facets": ["category", "rule_id"]},
                    "channels": {"label_column": "title"},
                    FTS_TABLE: hidden,
                    **{name: {"hidden": True, "allow": False} for name in PRIVATE_TABLES},
                    **{f"{FTS_TABLE}_{name}": hidden for name in shadow},
                },
                "queries": {
                    "search": {
                        "title": "Search posts (finds inflected forms)",
                        "description": 'Words, "phrases", -excluded and OR, and channel:, '
                        "category:, since:, until: (YYYY-MM-DD), hit:, edited:, deleted:, "
                        "place:, region:, as in the bot's /search; newest first. The post "
                        "column opens the post with its versions, media and places. "
                        "Facets: /-/search.",
                        "sql": SEARCH_SQL,
                    },
                    "post": {
                        "title": "A post and its versions",
                        "description": "Every stored version of the post, oldest first.",
                        "sql": POST_SQL,
                    },
                },
            }
        },
    }


def datasette_command(db_path: Path, metadata_path: Path, *, host: str, port: int) -> list[str]:
    """The Datasette command line: immutable (read-only, no locks), with our plugin and metadata."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "--immutable",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--template-dir",
        str(TEMPLATES_DIR),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "5000",
        "--setting",
        "allow_download",
        "off",
    ]
