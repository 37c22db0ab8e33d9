"""roles (learner/admin), disabled accounts, and the admin audit log

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('role', sa.String(length=16), server_default='learner', nullable=False))
        batch.add_column(sa.Column('disabled_at', UTCDateTime(), nullable=True))
        batch.create_check_constraint('ck_user_role', "role IN ('learner', 'admin')")
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('target', sa.String(length=300), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_entry') as batch:
        batch.create_index('ix_audit_entry_actor_id', ['actor_id'])
        batch.create_index('ix_audit_entry_created_at', ['created_at'])


def downgrade():
    op.drop_table('audit_entry')
    with op.batch_alter_table('user') as batch:
        batch.drop_constraint('ck_user_role', type_='check')
        batch.drop_column('disabled_at')
        batch.drop_column('role')
