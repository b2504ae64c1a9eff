"""faq: knowledge entries, their revisions, pinned patterns, the unanswered-question queue

Revision ID: 0003_faq
Revises: 0001_core
Create Date: 2026-11-28

Staff are stored by username, so nothing here references the console's tables.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_faq'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('knowledge_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('paraphrases', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('citations', sa.JSON(), nullable=False),
    sa.Column('related', sa.JSON(), nullable=False),
    sa.Column('next_step', sa.String(length=200), nullable=False),
    sa.Column('reviewed', sa.Date(), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_entries')),
    sa.UniqueConstraint('slug', name=op.f('uq_knowledge_entries_slug'))
    )
    op.create_table('knowledge_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['knowledge_entries.id'],
                            name=op.f('fk_knowledge_revisions_entry_id_knowledge_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_revisions'))
    )
    with op.batch_alter_table('knowledge_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_revisions_entry_id'), ['entry_id'], unique=False)

    op.create_table('knowledge_pins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pattern', sa.String(length=200), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['knowledge_entries.id'],
                            name=op.f('fk_knowledge_pins_entry_id_knowledge_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_pins')),
    sa.UniqueConstraint('pattern', name=op.f('uq_knowledge_pins_pattern'))
    )
    with op.batch_alter_table('knowledge_pins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_pins_entry_id'), ['entry_id'], unique=False)

    op.create_table('unanswered_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('best_score', sa.Float(), nullable=False),
    sa.Column('best_slug', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('entry_slug', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_questions')),
    sa.UniqueConstraint('text', name=op.f('uq_unanswered_questions_text'))
    )
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unanswered_questions_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unanswered_questions_status'))
    op.drop_table('unanswered_questions')
    with op.batch_alter_table('knowledge_pins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_pins_entry_id'))
    op.drop_table('knowledge_pins')
    with op.batch_alter_table('knowledge_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_revisions_entry_id'))
    op.drop_table('knowledge_revisions')
    op.drop_table('knowledge_entries')
