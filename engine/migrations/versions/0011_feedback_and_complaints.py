"""feedback from people, families, advocates and professionals; complaints as a workflow

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-09 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('from_whom', sa.String(length=200), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('acknowledge_by', sa.Date(), nullable=True),
        sa.Column('respond_by', sa.Date(), nullable=True),
        sa.Column('acknowledgement', sa.JSON(), nullable=True),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('closure', sa.JSON(), nullable=True),
        sa.Column('acknowledged_on', sa.Date(), nullable=True),
        sa.Column('responded_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('workflow', sa.String(length=60), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_feedback_person_id_people')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_feedback_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_feedback_service_id_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    )
    op.create_index('ix_feedback_service', 'feedback', ['service_id', 'received_on'])
    op.create_index(op.f('ix_feedback_person_id'), 'feedback', ['person_id'])
    op.create_index(op.f('ix_feedback_service_id'), 'feedback', ['service_id'])
    op.create_index(op.f('ix_feedback_state'), 'feedback', ['state'])


def downgrade() -> None:
    op.drop_index(op.f('ix_feedback_state'), table_name='feedback')
    op.drop_index(op.f('ix_feedback_service_id'), table_name='feedback')
    op.drop_index(op.f('ix_feedback_person_id'), table_name='feedback')
    op.drop_index('ix_feedback_service', table_name='feedback')
    op.drop_table('feedback')
