"""search: the FTS5 index of post lemmas (SQLite only)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 05:10:00

On SQLite this creates `hit_posts`, a view of hits with their posts and channels (what
`python bot.py browse` facets by channel, category and day), and `posts_fts`, an FTS5 table whose rowid is posts.id and whose one
column holds the post's lemma tokens (monitor.store.search keeps it in step on save). Posts
stored before this revision are indexed by `python bot.py reindex`. On PostgreSQL it creates
nothing: search there falls back to a plain ILIKE scan of the text (no inflection).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


HIT_POSTS = """
CREATE VIEW hit_posts AS
SELECT hits.id AS hit_id,
       posts.id AS post_id,
       coalesce('@' || channels.username, CAST(channels.telegram_id AS TEXT)) AS channel,
       channels.title AS channel_title,
       posts.message_id AS message_id,
       posts.date AS date,
       date(posts.date) AS day,
       hits.category AS category,
       hits.rule_id AS rule_id,
       posts.text AS text,
       posts.views AS views,
       posts.forwards AS forwards,
       posts.deleted_at IS NOT NULL AS deleted
FROM hits
JOIN posts ON posts.id = hits.post_id
JOIN channels ON channels.id = posts.channel_id
"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    # Category filters and digests look hits up by category, then by post.
    with op.batch_alter_table("hits") as batch_op:
        batch_op.create_index("ix_hits_category_post_id", ["category", "post_id"])
    if _sqlite():
        op.execute(
            "CREATE VIRTUAL TABLE posts_fts USING fts5("
            "terms, tokenize = 'unicode61 remove_diacritics 0')"
        )
        op.execute(HIT_POSTS)


def downgrade() -> None:
    if _sqlite():
        op.execute("DROP VIEW hit_posts")
        op.execute("DROP TABLE posts_fts")
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_index("ix_hits_category_post_id")
