"""progress version for the dashboard cache; attempts by learner and submit time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on SQLite too (ADD/DROP COLUMN since SQLite 3.35): no need to copy `user`.

def upgrade():
    op.add_column('user', sa.Column('progress_version', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_attempt_user_submitted', 'attempt', ['user_id', 'submitted_at'], unique=False)


def downgrade():
    op.drop_index('ix_attempt_user_submitted', table_name='attempt')
    op.drop_column('user', 'progress_version')
