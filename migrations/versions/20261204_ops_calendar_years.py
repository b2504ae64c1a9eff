"""calendar: imported official schedules per year (calendar_years) and the year an override came from

Revision ID: 20261204_ops_calendar_years
Revises: 0007_merge_features
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '20261204_ops_calendar_years'
down_revision = '0007_merge_features'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('holidays', sa.Integer(), nullable=False),
    sa.Column('workdays', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    with op.batch_alter_table('calendar_overrides', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_calendar_overrides_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_overrides_year'))
        batch_op.drop_column('year')
    op.drop_table('calendar_years')
