"""reviews, daily records, version basis, task follow-up, timer results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:11:18.111226
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('daily_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.String(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('observed_strength', sa.Text(), nullable=False),
    sa.Column('support_provided', sa.Text(), nullable=False),
    sa.Column('independence_opportunity', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('prompts', sa.Integer(), nullable=False),
    sa.Column('completion', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('language_flags', sa.JSON(), nullable=False),
    sa.Column('vocabulary', sa.String(length=120), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_daily_records_author_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_daily_records_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_records'))
    )
    with op.batch_alter_table('daily_records', schema=None) as batch_op:
        batch_op.create_index('ix_daily_records_outcome', ['plan_id', 'outcome_id', 'date'], unique=False)

    op.create_table('review_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('trigger', sa.Text(), nullable=False),
    sa.Column('evidence_since', sa.Date(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_review_cycles_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cycles')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_review_cycles_plan_id'))
    )
    with op.batch_alter_table('review_cycles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cycles_plan_id'), ['plan_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_reviews_author_id_users')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycles.id'], name=op.f('fk_reviews_cycle_id_review_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_reviews_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('cycle_id', name=op.f('uq_reviews_cycle_id'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_plan_id'), ['plan_id'], unique=False)

    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.String(length=20), server_default='approval', nullable=False))

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_review_on', sa.Date(), nullable=True))

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up', sa.Date(), nullable=True))

    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('result', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_column('result')
        batch_op.drop_column('subject_version')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('follow_up')

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('next_review_on')

    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_column('basis')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_plan_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('review_cycles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_cycles_plan_id'))

    op.drop_table('review_cycles')
    with op.batch_alter_table('daily_records', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_records_outcome')

    op.drop_table('daily_records')
