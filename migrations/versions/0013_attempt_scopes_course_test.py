"""attempts that span lessons: a scope (lesson, course test, topic practice), a deadline; course test settings

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-07 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0016'
branch_labels = None
depends_on = None

SCOPE_CHECK = (
    "(scope = 'lesson' AND lesson_id IS NOT NULL AND course_id IS NULL AND topic_id IS NULL)"
    " OR (scope = 'course_test' AND course_id IS NOT NULL AND lesson_id IS NULL AND topic_id IS NULL)"
    " OR (scope = 'topic' AND topic_id IS NOT NULL AND lesson_id IS NULL AND course_id IS NULL)"
)


def _open_only(scope):
    where = sa.text(f"status = 'in_progress' AND scope = '{scope}'")
    return {"sqlite_where": where, "postgresql_where": where}


def upgrade():
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('test_settings', sa.JSON(), nullable=True))
    # The partial index is recreated with the scope in its condition (SQLite's batch copy would not keep
    # its WHERE clause, so it is dropped before and created after).
    op.drop_index('uq_attempt_open', table_name='attempt')
    with op.batch_alter_table('attempt') as batch:
        # Every existing attempt is a lesson attempt: the server default says so, nothing else changes.
        batch.add_column(sa.Column('scope', sa.String(length=12), server_default='lesson', nullable=False))
        batch.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('topic_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('deadline_at', UTCDateTime(), nullable=True))
        batch.alter_column('lesson_id', existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(batch.f('fk_attempt_course_id_course'), 'course', ['course_id'], ['id'])
        batch.create_foreign_key(batch.f('fk_attempt_topic_id_topic'), 'topic', ['topic_id'], ['id'])
        batch.create_index(batch.f('ix_attempt_topic_id'), ['topic_id'], unique=False)
        batch.create_index('ix_attempt_user_course', ['user_id', 'course_id'], unique=False)
        batch.create_check_constraint('scope', SCOPE_CHECK)
    op.create_index('uq_attempt_open', 'attempt', ['user_id', 'lesson_id'], unique=True, **_open_only('lesson'))
    op.create_index('uq_attempt_open_course_test', 'attempt', ['user_id', 'course_id'], unique=True,
                    **_open_only('course_test'))
    op.create_index('uq_attempt_open_topic', 'attempt', ['user_id', 'topic_id'], unique=True, **_open_only('topic'))


def downgrade():
    # Attempts that are not a lesson's cannot exist before this revision. Their answers are kept (as
    # answers outside an attempt, like review answers): history feeds reviews and mastery.
    op.execute("UPDATE answer SET attempt_id = NULL WHERE attempt_id IN (SELECT id FROM attempt WHERE scope <> 'lesson')")
    op.execute("UPDATE attempt SET retake_of_id = NULL WHERE retake_of_id IN (SELECT id FROM attempt WHERE scope <> 'lesson')")
    op.execute("DELETE FROM attempt WHERE scope <> 'lesson'")
    op.drop_index('uq_attempt_open_topic', table_name='attempt')
    op.drop_index('uq_attempt_open_course_test', table_name='attempt')
    op.drop_index('uq_attempt_open', table_name='attempt')
    with op.batch_alter_table('attempt') as batch:
        batch.drop_constraint('scope', type_='check')
        batch.drop_index('ix_attempt_user_course')
        batch.drop_index(batch.f('ix_attempt_topic_id'))
        batch.drop_constraint(batch.f('fk_attempt_topic_id_topic'), type_='foreignkey')
        batch.drop_constraint(batch.f('fk_attempt_course_id_course'), type_='foreignkey')
        batch.alter_column('lesson_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('deadline_at')
        batch.drop_column('topic_id')
        batch.drop_column('course_id')
        batch.drop_column('scope')
    op.create_index('uq_attempt_open', 'attempt', ['user_id', 'lesson_id'], unique=True,
                    sqlite_where=sa.text("status = 'in_progress'"), postgresql_where=sa.text("status = 'in_progress'"))
    with op.batch_alter_table('course') as batch:
        batch.drop_column('test_settings')
