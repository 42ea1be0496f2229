"""late entries, review due dates, interim support, supervisee reflections

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Records written before this revision were never judged late: they keep false.
    with op.batch_alter_table('daily_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_entry', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('review_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interim_support', sa.JSON(), nullable=True))
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reflections', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_column('reflections')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('interim_support')
    with op.batch_alter_table('review_cycles', schema=None) as batch_op:
        batch_op.drop_column('due_on')
    with op.batch_alter_table('daily_records', schema=None) as batch_op:
        batch_op.drop_column('late_entry')
