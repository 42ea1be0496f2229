"""incidents, and the restrictive-practice register

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _subject_columns(table: str) -> list:
    return [
        sa.Column('workflow', sa.String(length=60), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f(f'fk_{table}_service_id_services')),
    ]


def upgrade() -> None:
    op.create_table(
        'incidents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('severity', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('immediate_action', sa.Text(), nullable=False),
        sa.Column('people_informed', sa.JSON(), nullable=False),
        sa.Column('restriction_ids', sa.JSON(), nullable=False),
        sa.Column('language_flags', sa.JSON(), nullable=False),
        sa.Column('plan_effect', sa.JSON(), nullable=True),
        sa.Column('notifications', sa.JSON(), nullable=True),
        sa.Column('review_comment', sa.Text(), nullable=True),
        sa.Column('learning', sa.Text(), nullable=True),
        sa.Column('reported_by_id', sa.Integer(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        *_subject_columns('incidents'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_incidents_person_id_people')),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_incidents_plan_id_plans')),
        sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'],
                                name=op.f('fk_incidents_reported_by_id_users')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_incidents_reviewed_by_id_users')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'],
                                name=op.f('fk_incidents_closed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_state'), ['state'], unique=False)
        batch_op.create_index('ix_incidents_service_occurred', ['service_id', 'occurred_at'],
                              unique=False)

    op.create_table(
        'restrictions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('risk_id', sa.String(length=40), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('justification', sa.Text(), nullable=True),
        sa.Column('review_date', sa.Date(), nullable=True),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('ended_why', sa.Text(), nullable=True),
        sa.Column('decision', sa.String(length=20), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        *_subject_columns('restrictions'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'],
                                name=op.f('fk_restrictions_plan_id_plans')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_restrictions_person_id_people')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_restrictions_reviewed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_restrictions')),
    )
    with op.batch_alter_table('restrictions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restrictions_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_restrictions_service_id'), ['service_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_restrictions_state'), ['state'], unique=False)
        batch_op.create_index('ix_restrictions_plan_risk', ['plan_id', 'risk_id'], unique=False)


def downgrade() -> None:
    op.drop_table('restrictions')
    op.drop_table('incidents')
