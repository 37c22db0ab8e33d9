"""question reports (learners' "report a problem") and each question's line in its lesson file

Revision ID: 0019
Revises: 0020
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from learnpath.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0020'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    with op.batch_alter_table('question') as batch:
        batch.add_column(sa.Column('source_line', sa.Integer(), nullable=True))
    op.create_table(
        'question_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), server_default='open', nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.CheckConstraint("reason IN ('wrong_key', 'unclear', 'typo', 'outdated', 'other')",
                           name=op.f('ck_question_report_reason')),
        sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed', 'edited')",
                           name=op.f('ck_question_report_status')),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_report_question_id_question'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_question_report_user_id_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_question_report_closed_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_report')),
    )
    with op.batch_alter_table('question_report') as batch:
        batch.create_index('ix_question_report_question_id', ['question_id'])
        batch.create_index('ix_question_report_user_id', ['user_id'])
        batch.create_index('ix_question_report_status_created', ['status', 'created_at'])
        batch.create_index('uq_question_report_open', ['user_id', 'question_id', 'revision'], unique=True,
                           sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_table('question_report')
    with op.batch_alter_table('question') as batch:
        batch.drop_column('source_line')
