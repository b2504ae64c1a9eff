"""console: four eyes — knowledge-base proposals, full revision snapshots, who entered a sampling result

Revision ID: 20261205_console_four_eyes
Revises: 20261205_forms_qr_scenes
Create Date: 2026-12-05

"""
from alembic import op
import sqlalchemy as sa


revision = '20261205_console_four_eyes'
down_revision = '20261205_forms_qr_scenes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('knowledge_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_proposals'))
    )
    with op.batch_alter_table('knowledge_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_proposals_slug'), ['slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_proposals_status'), ['status'], unique=False)
    with op.batch_alter_table('knowledge_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=64), nullable=True))
    with op.batch_alter_table('sampling_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('sampling_results', schema=None) as batch_op:
        batch_op.drop_column('created_by')
    with op.batch_alter_table('knowledge_revisions', schema=None) as batch_op:
        batch_op.drop_column('approved_by')
        batch_op.drop_column('snapshot')
    with op.batch_alter_table('knowledge_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_proposals_status'))
        batch_op.drop_index(batch_op.f('ix_knowledge_proposals_slug'))
    op.drop_table('knowledge_proposals')
