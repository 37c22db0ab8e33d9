"""question pools (lesson.draw), per-course review policy, revocable certificates

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson') as batch:
        batch.add_column(sa.Column('draw', sa.Integer(), nullable=True))
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('review_policy', sa.JSON(), nullable=True))
    with op.batch_alter_table('enrollment') as batch:
        batch.add_column(sa.Column('certificate_revoked_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('enrollment') as batch:
        batch.drop_column('certificate_revoked_at')
    with op.batch_alter_table('course') as batch:
        batch.drop_column('review_policy')
    with op.batch_alter_table('lesson') as batch:
        batch.drop_column('draw')
