"""content imports: each run of `flask content import`, with its summary or the problems that refused it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'content_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=False),
        sa.Column('problem_count', sa.Integer(), nullable=False),
        sa.Column('catalog_version', sa.String(length=32), nullable=True),
        sa.CheckConstraint("status IN ('imported', 'refused')", name='ck_content_import_status'),
        sa.PrimaryKeyConstraint('id', name='pk_content_import'),
    )
    with op.batch_alter_table('content_import') as batch:
        batch.create_index('ix_content_import_finished_at', ['finished_at'])


def downgrade():
    op.drop_table('content_import')
