"""answer.time_ms: how long the learner had each question on screen; attempt.times_ms while it is open

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0019'  # the head is 0019 (0018 -> 0020 -> 0019), not 0020
branch_labels = None
depends_on = None


# Nullable columns: plain ALTER TABLE on SQLite too, no copy of the (large) answer table.
# Rows from before this migration keep NULL: their time was never measured.

def upgrade():
    op.add_column('answer', sa.Column('time_ms', sa.Integer(), nullable=True))
    op.add_column('attempt', sa.Column('times_ms', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('attempt', 'times_ms')
    op.drop_column('answer', 'time_ms')
