"""answer.variant: the values a calculated question was asked with (NULL for every other kind)

Revision ID: 0015
Revises: 0008
Create Date: 2026-12-07 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0008'
branch_labels = None
depends_on = None


# A nullable column: plain ALTER TABLE on SQLite too, no copy of the (large) answer table.

def upgrade():
    op.add_column('answer', sa.Column('variant', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('answer', 'variant')
