"""audit events record changes as well as transitions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action', sa.String(length=40), nullable=False,
                                      server_default='transition'))
        batch_op.alter_column('transition', existing_type=sa.String(length=60), nullable=True)
        batch_op.alter_column('from_state', existing_type=sa.String(length=40), nullable=True)
        batch_op.create_index('ix_audit_events_action', ['subject_type', 'subject_id', 'action'])


def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_action')
        batch_op.alter_column('from_state', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('transition', existing_type=sa.String(length=60), nullable=False)
        batch_op.drop_column('action')
