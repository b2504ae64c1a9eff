"""console: ended_sessions — a logged-out session's cookie is refused server-side

Revision ID: 20261204_console_ended_sessions
Revises: 20261204_inbox_threads
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


revision = '20261204_console_ended_sessions'
down_revision = '20261204_inbox_threads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ended_sessions',
    sa.Column('sid', sa.String(length=43), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_ended_sessions_staff_id_staff')),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_ended_sessions'))
    )
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ended_sessions_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ended_sessions_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ended_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ended_sessions_staff_id'))
        batch_op.drop_index(batch_op.f('ix_ended_sessions_ended_at'))
    op.drop_table('ended_sessions')
