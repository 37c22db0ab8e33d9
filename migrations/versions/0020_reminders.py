"""daily reminder digests: per-learner preferences and the per-(learner, local day) send claim

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-07 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_preference',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('hour', sa.SmallInteger(), server_default='18', nullable=False),
        sa.Column('reviews_due', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('streak_at_risk', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('hour >= 0 AND hour <= 23', name=op.f('ck_reminder_preference_hour_range')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_preference_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_reminder_preference')),
    )
    with op.batch_alter_table('reminder_preference') as batch:
        batch.create_index(batch.f('ix_reminder_preference_enabled'), ['enabled'])
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('claimed_at', UTCDateTime(), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_sent_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.UniqueConstraint('user_id', 'day', name=op.f('uq_reminder_sent_user_id_day')),
    )


def downgrade():
    op.drop_table('reminder_sent')
    op.drop_table('reminder_preference')
