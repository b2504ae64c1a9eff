"""polls: 你点我检 polls, questions, options, hash-chained ballots, sampling results, voter notices

Revision ID: 0005_polls
Revises: 0001_core
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_polls'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('allow_suggestion', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_status'), ['status'], unique=False)

    op.create_table('poll_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('max_picks', sa.Integer(), nullable=False),
    sa.Column('top_n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_questions_poll_id_polls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_questions'))
    )
    with op.batch_alter_table('poll_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_questions_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['poll_questions.id'],
                            name=op.f('fk_poll_options_question_id_poll_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_options'))
    )
    with op.batch_alter_table('poll_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_options_question_id'), ['question_id'], unique=False)

    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=True),
    sa.Column('voter_digest', sa.String(length=64), nullable=False),
    sa.Column('suggestion', sa.Text(), nullable=True),
    sa.Column('cast_at', sa.DateTime(), nullable=False),
    sa.Column('subscribed_at', sa.DateTime(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_ballots_poll_id_polls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('poll_id', 'openid', name=op.f('uq_ballots_poll_id_openid')),
    sa.UniqueConstraint('poll_id', 'seq', name=op.f('uq_ballots_poll_id_seq')),
    sa.UniqueConstraint('poll_id', 'voter_digest', name=op.f('uq_ballots_poll_id_voter_digest'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_cast_at'), ['cast_at'], unique=False)

    op.create_table('ballot_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_choices_ballot_id_ballots')),
    sa.ForeignKeyConstraint(['option_id'], ['poll_options.id'],
                            name=op.f('fk_ballot_choices_option_id_poll_options')),
    sa.ForeignKeyConstraint(['question_id'], ['poll_questions.id'],
                            name=op.f('fk_ballot_choices_question_id_poll_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_choices')),
    sa.UniqueConstraint('ballot_id', 'option_id', name=op.f('uq_ballot_choices_ballot_id_option_id'))
    )
    with op.batch_alter_table('ballot_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_choices_option_id'), ['option_id'], unique=False)

    op.create_table('sampling_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_sampling_batches_poll_id_polls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sampling_batches'))
    )
    with op.batch_alter_table('sampling_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_batches_poll_id'), ['poll_id'], unique=False)

    op.create_table('sampling_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('sample_name', sa.String(length=100), nullable=False),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('producer', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=False),
    sa.Column('failing_item', sa.String(length=200), nullable=False),
    sa.Column('hazard_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['sampling_batches.id'],
                            name=op.f('fk_sampling_results_batch_id_sampling_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sampling_results'))
    )
    with op.batch_alter_table('sampling_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_results_batch_id'), ['batch_id'], unique=False)

    op.create_table('sampling_result_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['poll_options.id'],
                            name=op.f('fk_sampling_result_options_option_id_poll_options')),
    sa.ForeignKeyConstraint(['result_id'], ['sampling_results.id'],
                            name=op.f('fk_sampling_result_options_result_id_sampling_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sampling_result_options')),
    sa.UniqueConstraint('result_id', 'option_id', name=op.f('uq_sampling_result_options_result_id_option_id'))
    )
    with op.batch_alter_table('sampling_result_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sampling_result_options_option_id'), ['option_id'], unique=False)

    op.create_table('voter_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('result_ids', sa.String(length=500), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['sampling_batches.id'],
                            name=op.f('fk_voter_notices_batch_id_sampling_batches')),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_voter_notices_poll_id_polls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voter_notices')),
    sa.UniqueConstraint('batch_id', 'openid', name=op.f('uq_voter_notices_batch_id_openid'))
    )
    with op.batch_alter_table('voter_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voter_notices_poll_id'), ['poll_id'], unique=False)


def downgrade():
    for table, indexes in (
        ('voter_notices', ['ix_voter_notices_poll_id']),
        ('sampling_result_options', ['ix_sampling_result_options_option_id']),
        ('sampling_results', ['ix_sampling_results_batch_id']),
        ('sampling_batches', ['ix_sampling_batches_poll_id']),
        ('ballot_choices', ['ix_ballot_choices_option_id']),
        ('ballots', ['ix_ballots_cast_at']),
        ('poll_options', ['ix_poll_options_question_id']),
        ('poll_questions', ['ix_poll_questions_poll_id']),
        ('polls', ['ix_polls_status']),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(batch_op.f(name))
        op.drop_table(table)
