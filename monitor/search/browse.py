"""The archive in Datasette: generated metadata (facets, search) and the command line (pure)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from monitor.store.schema import FTS_TABLE

PLUGINS_DIR = Path(__file__).resolve().parent / "browse_plugins"

SEARCH_SQL = f"""
select posts.id, posts.date,
       coalesce('@' || channels.username, channels.telegram_id) as channel,
       posts.message_id, posts.text,
       (select group_concat(distinct hits.category) from hits where hits.post_id = posts.id)
         as categories,
       posts.deleted_at is not null as deleted
from {FTS_TABLE}
join posts on posts.id = {FTS_TABLE}.rowid
join channels on channels.id = posts.channel_id
where {FTS_TABLE} match draftwatch_match(:q)
order by bm25({FTS_TABLE})
limit 200
"""


def datasette_metadata(database: str) -> dict[str, Any]:
    """Datasette metadata: facets by channel, category and day; the inflection-aware search."""
    hidden = {"hidden": True}
    shadow = ("data", "idx", "content", "docsize", "config")
    return {
        "title": "draftwatch archive",
        "description": "Read-only view of the archive of watched channels.",
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
                    **{f"{FTS_TABLE}_{name}": hidden for name in shadow},
                },
                "queries": {
                    "search": {
                        "title": "Search posts (finds inflected forms)",
                        "description": 'Words, "phrases", -excluded and OR, as in bot.py search.',
                        "sql": SEARCH_SQL,
                    }
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
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "5000",
    ]
