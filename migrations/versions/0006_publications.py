"""publications: publications, per-recipient deliveries, mass jobs, kind preferences, scheduler lease

Revision ID: 0006_publications
Revises: 0001_core
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_publications'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('cover', sa.String(length=500), nullable=True),
    sa.Column('tags', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('strategy', sa.String(length=8), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('audience_ref', sa.String(length=64), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('approver', sa.String(length=64), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(), nullable=True),
    sa.Column('recurrence', sa.String(length=64), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['publications.id'], name=op.f('fk_publications_parent_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('parent_id', 'occurrence_at', name=op.f('uq_publications_parent_id_occurrence_at'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_scheduled_at'), ['scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_published_at'), ['published_at'], unique=False)

    op.create_table('publication_mass_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('batch_no', sa.Integer(), nullable=False),
    sa.Column('client_msg_id', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('msg_id', sa.String(length=32), nullable=True),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('total_count', sa.Integer(), nullable=True),
    sa.Column('filter_count', sa.Integer(), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=True),
    sa.Column('finish_status', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'],
                            name=op.f('fk_publication_mass_jobs_publication_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_mass_jobs')),
    sa.UniqueConstraint('client_msg_id', name=op.f('uq_publication_mass_jobs_client_msg_id')),
    sa.UniqueConstraint('publication_id', 'batch_no', name=op.f('uq_publication_mass_jobs_publication_id_batch_no'))
    )
    with op.batch_alter_table('publication_mass_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_mass_jobs_msg_id'), ['msg_id'], unique=False)

    op.create_table('publication_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('batch_no', sa.Integer(), nullable=True),
    sa.Column('msgid', sa.String(length=32), nullable=True),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'],
                            name=op.f('fk_publication_deliveries_publication_id_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_deliveries')),
    sa.UniqueConstraint('publication_id', 'openid', name=op.f('uq_publication_deliveries_publication_id_openid'))
    )
    with op.batch_alter_table('publication_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_publication_deliveries_pub_status', ['publication_id', 'status'], unique=False)
        batch_op.create_index('ix_publication_deliveries_openid_channel', ['openid', 'channel', 'sent_at'],
                              unique=False)

    op.create_table('publication_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_preferences')),
    sa.UniqueConstraint('openid', 'kind', name=op.f('uq_publication_preferences_openid_kind'))
    )
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )


def downgrade():
    op.drop_table('scheduler_leases')
    op.drop_table('publication_preferences')
    with op.batch_alter_table('publication_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_publication_deliveries_openid_channel')
        batch_op.drop_index('ix_publication_deliveries_pub_status')
    op.drop_table('publication_deliveries')
    with op.batch_alter_table('publication_mass_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_mass_jobs_msg_id'))
    op.drop_table('publication_mass_jobs')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_published_at'))
        batch_op.drop_index(batch_op.f('ix_publications_scheduled_at'))
        batch_op.drop_index(batch_op.f('ix_publications_status'))
        batch_op.drop_index(batch_op.f('ix_publications_kind'))
    op.drop_table('publications')
