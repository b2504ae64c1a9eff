"""forms: conversation drafts kept in the database (they survive a Redis restart); 诉求 holds several demands

Revision ID: 20261204_forms_drafts
Revises: 20261204_console_ended_sessions
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "20261204_forms_drafts"
down_revision = "20261204_console_ended_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "conversation_drafts",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_conversation_drafts")),
    )
    with op.batch_alter_table("conversation_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_drafts_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("wish", existing_type=sa.String(length=16), type_=sa.String(length=120),
                              existing_nullable=True)


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column("wish", existing_type=sa.String(length=120), type_=sa.String(length=16),
                              existing_nullable=True)
    with op.batch_alter_table("conversation_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_drafts_expires_at"))
    op.drop_table("conversation_drafts")
