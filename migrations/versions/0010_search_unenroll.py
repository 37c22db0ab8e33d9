"""search: block-aware lesson text, stop words kept on PostgreSQL; enrollment.unenrolled_at

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-06 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import learnpath.models._types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None

# The PostgreSQL search index, before and after: English stemming, now keeping stop words and
# splitting words at punctuation as FTS5 does, so the two databases find the same lessons.
OLD_CONFIG, NEW_CONFIG = "english", "learnpath_english"


def _vector(config: str) -> str:
    if config == OLD_CONFIG:
        return (
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(summary, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(body_text, '')), 'C')"
        )
    # Punctuation is a space, as for SQLite's unicode61 tokenizer (see learnpath/search.py).
    return " || ".join(
        f"setweight(to_tsvector('{config}', regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g')), "
        f"'{weight}')" for column, weight in (("title", "A"), ("summary", "B"), ("body_text", "C"))
    )


def upgrade():
    # Plain ALTER TABLE on SQLite too (ADD COLUMN): no need to copy `enrollment`.
    op.add_column('enrollment', sa.Column('unenrolled_at', learnpath.models._types.UTCDateTime(), nullable=True))
    _rebuild_lesson_text()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DELETE FROM lesson_fts")
        op.execute("INSERT INTO lesson_fts (rowid, title, summary, body) "
                   "SELECT id, title, summary, body_text FROM lesson WHERE retired = 0")
    elif dialect == "postgresql":
        op.execute("CREATE TEXT SEARCH DICTIONARY learnpath_english_stem (TEMPLATE = snowball, Language = english)")
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {NEW_CONFIG} (COPY = english)")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION {NEW_CONFIG} "
                   "ALTER MAPPING REPLACE english_stem WITH learnpath_english_stem")
        op.execute("DROP INDEX IF EXISTS ix_lesson_search")
        # Stored, not an expression index: ranking reads it instead of re-parsing every matching lesson.
        op.execute(f"ALTER TABLE lesson ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_vector(NEW_CONFIG)}) STORED")
        op.execute("CREATE INDEX ix_lesson_search ON lesson USING gin (search_vector)")


def _rebuild_lesson_text():
    """Search text used to join a heading to the paragraph under it and put spaces around inline
    markup ("Build : implement"); it is now one line per block, derived from the stored HTML."""
    from learnpath.content.render import plain_text

    connection = op.get_bind()
    lesson = sa.table("lesson", sa.column("id", sa.Integer), sa.column("body_html", sa.Text),
                      sa.column("body_text", sa.Text))
    for lesson_id, body_html in connection.execute(sa.select(lesson.c.id, lesson.c.body_html)).all():
        connection.execute(sa.update(lesson).where(lesson.c.id == lesson_id)
                           .values(body_text=plain_text(body_html or "")))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_lesson_search")
        op.execute("ALTER TABLE lesson DROP COLUMN IF EXISTS search_vector")
        op.execute(f"CREATE INDEX ix_lesson_search ON lesson USING gin (({_vector(OLD_CONFIG)}))")
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {NEW_CONFIG}")
        op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS learnpath_english_stem")
    op.drop_column('enrollment', 'unenrolled_at')
