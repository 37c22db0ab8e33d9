"""the learner's time zone: day boundaries (streaks, heat map, daily aggregates) and times shown

Revision ID: 0008
Revises: 0012
Create Date: 2026-12-06 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0012'
branch_labels = None
depends_on = None


# NULL = not known yet (UTC is used until the browser or the learner says). Plain ALTER TABLE on SQLite too.

def upgrade():
    op.add_column('user', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('user', 'time_zone')
