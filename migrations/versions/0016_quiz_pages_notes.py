"""paged quizzes: lesson.per_page, and per-question notes (flag for later, confidence) on an attempt

Revision ID: 0016
Revises: 0008
Create Date: 2026-12-07 00:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson') as batch:
        batch.add_column(sa.Column('per_page', sa.Integer(), nullable=True))
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('notes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('notes')
    with op.batch_alter_table('lesson') as batch:
        batch.drop_column('per_page')
