"""supervision, competency, access log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:29:42.671582
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('competencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('training', sa.JSON(), nullable=True),
    sa.Column('assessment', sa.JSON(), nullable=True),
    sa.Column('competent_since', sa.Date(), nullable=True),
    sa.Column('refresher_due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('workflow', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_competencies_service_id_services')),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_competencies_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competencies'))
    )
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competencies_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competencies_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_competencies_worker_id'), ['worker_id'], unique=False)

    op.create_table('supervisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supervisee_id', sa.Integer(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('workflow', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_supervisions_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_supervisions_service_id_services')),
    sa.ForeignKeyConstraint(['supervisee_id'], ['users.id'], name=op.f('fk_supervisions_supervisee_id_users')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['users.id'], name=op.f('fk_supervisions_supervisor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisions'))
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisions_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_supervisee_id'), ['supervisee_id'], unique=False)

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=60), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_access_log_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_person', ['person_id', 'at'], unique=False)

    op.create_table('practice_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('setting', sa.Text(), nullable=False),
    sa.Column('observed', sa.Text(), nullable=False),
    sa.Column('how_applied', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_practice_observations_assessor_id_users')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_practice_observations_competency_id_competencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_observations'))
    )
    with op.batch_alter_table('practice_observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_observations_competency_id'), ['competency_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('practice_observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_observations_competency_id'))

    op.drop_table('practice_observations')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_person')

    op.drop_table('access_log')
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisions_supervisee_id'))
        batch_op.drop_index(batch_op.f('ix_supervisions_state'))
        batch_op.drop_index(batch_op.f('ix_supervisions_service_id'))

    op.drop_table('supervisions')
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competencies_worker_id'))
        batch_op.drop_index(batch_op.f('ix_competencies_state'))
        batch_op.drop_index(batch_op.f('ix_competencies_service_id'))

    op.drop_table('competencies')
