"""campaign: question_tallies, 维权问答 questions counted by China day, topic and outcome (no personal data)

Revision ID: 20261205_campaign_qa_tally
Revises: 20261205_campaign_survey_notice
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = "20261205_campaign_qa_tally"
down_revision = "20261205_campaign_survey_notice"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "question_tallies",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "topic", "outcome"),
    )


def downgrade():
    op.drop_table("question_tallies")
