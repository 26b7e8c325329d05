"""postgres: the search index on PostgreSQL (tsvector of post lemmas, GIN) and its NEAR check

Revision ID: 0010_postgres
Revises: 0009_analyst
Create Date: 2026-12-07 23:30:00

PostgreSQL only (SQLite's index is posts_fts, 0002): `posts_terms` maps posts.id to a tsvector
of the post's lemma tokens (monitor.store.fulltext_pg builds it and keeps it in step on save),
with a GIN index; draftwatch_near(terms, phrases, n) says whether some instance of each phrase
(tokens joined by spaces) stands with at most n tokens between the end of the first and the
start of the last, as FTS5's NEAR does. Posts stored before this revision are indexed by
`draftwatch reindex`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_postgres"
down_revision: str | None = "0009_analyst"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEAR = """
CREATE FUNCTION draftwatch_near(doc tsvector, phrases text[], distance integer)
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
WITH tokens AS (
    SELECT p.i, t.j, t.token, cardinality(string_to_array(p.phrase, ' ')) AS n
    FROM unnest(phrases) WITH ORDINALITY AS p(phrase, i),
         unnest(string_to_array(p.phrase, ' ')) WITH ORDINALITY AS t(token, j)
), found AS (
    SELECT tokens.i, tokens.n, pos - tokens.j + 1 AS start
    FROM tokens
    JOIN unnest(doc) AS d(lexeme, positions, weights) ON d.lexeme = tokens.token
    CROSS JOIN unnest(d.positions) AS pos
), instances AS (
    SELECT i, start, start + n - 1 AS finish FROM found GROUP BY i, n, start HAVING count(*) = n
)
SELECT EXISTS (
    SELECT 1 FROM instances AS first
    WHERE (SELECT count(DISTINCT other.i) FROM instances AS other
           WHERE other.start >= first.start AND other.start - first.finish - 1 <= distance)
          = cardinality(phrases)
)
$$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    op.execute(
        "CREATE TABLE posts_terms ("
        " post_id INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,"
        " terms tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_posts_terms_terms ON posts_terms USING gin (terms)")
    op.execute(NEAR)


def downgrade() -> None:
    if not _postgres():
        return
    op.execute("DROP FUNCTION draftwatch_near(tsvector, text[], integer)")
    op.execute("DROP TABLE posts_terms")
