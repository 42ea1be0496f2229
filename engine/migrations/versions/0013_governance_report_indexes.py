"""governance report indexes

Indexes the governance report reads instead of the wide rows behind them (a plan's draft, a
review's or a version's content): a service's plans by state with the columns the review figures
join and compare (plans_by_state counts from it alone; the review figures seek into it by state
and read person, version and review date from it), each plan's reviews with their cycles (the
latest completed review per plan), each version's review date by plan and number, and the
plans that have (or had) interim support, so finding them does not read every plan.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

INTERIM = sa.text('interim_support IS NOT NULL')


def upgrade() -> None:
    op.create_index('ix_plans_governance', 'plans',
                    ['service_id', 'state', 'person_id', 'current_version', 'next_review_on'])
    op.create_index('ix_reviews_plan_cycle', 'reviews', ['plan_id', 'cycle_id'])
    op.create_index('ix_plan_versions_review', 'plan_versions',
                    ['plan_id', 'number', 'next_review_on'])
    op.create_index('ix_plans_interim', 'plans', ['service_id'],
                    sqlite_where=INTERIM, postgresql_where=INTERIM)


def downgrade() -> None:
    op.drop_index('ix_plans_interim', table_name='plans')
    op.drop_index('ix_plan_versions_review', table_name='plan_versions')
    op.drop_index('ix_reviews_plan_cycle', table_name='reviews')
    op.drop_index('ix_plans_governance', table_name='plans')
