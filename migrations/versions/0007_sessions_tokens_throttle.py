"""revocable sessions, expiring API tokens, a shared throttle, one open attempt per lesson

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TOKEN_LIFETIME_DAYS = 30  # tokens issued before expiry existed get the default lifetime from now


def upgrade():
    op.add_column('user', sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('api_token') as batch:
        batch.add_column(sa.Column('expires_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('last_used_at', UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"UPDATE api_token SET expires_at = now() + interval '{TOKEN_LIFETIME_DAYS} days'")
    else:
        op.execute(f"UPDATE api_token SET expires_at = datetime('now', '+{TOKEN_LIFETIME_DAYS} days')")
    with op.batch_alter_table('api_token') as batch:
        batch.alter_column('expires_at', existing_type=UTCDateTime(), nullable=False)

    op.create_table(
        'throttle',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('window_start', UTCDateTime(), nullable=False),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle')),
    )

    # Races before this revision could leave several open attempts for one lesson: keep the
    # newest open, mark the others abandoned (they were never submitted and count nowhere).
    op.execute("""
        UPDATE attempt SET status = 'abandoned'
        WHERE status = 'in_progress' AND id NOT IN (
            SELECT max(id) FROM attempt WHERE status = 'in_progress' GROUP BY user_id, lesson_id)
    """)
    op.create_index('uq_attempt_open', 'attempt', ['user_id', 'lesson_id'], unique=True,
                    sqlite_where=sa.text("status = 'in_progress'"), postgresql_where=sa.text("status = 'in_progress'"))


def downgrade():
    op.drop_index('uq_attempt_open', table_name='attempt')
    op.drop_table('throttle')
    with op.batch_alter_table('api_token') as batch:
        batch.drop_column('last_used_at')
        batch.drop_column('expires_at')
    op.drop_column('user', 'session_version')
