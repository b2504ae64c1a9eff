"""forms: QR scenes — the label a consumer sees for a scanned code's key, and what the scan starts

Revision ID: 20261205_forms_qr_scenes
Revises: 20261205_campaign_disposals
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = "20261205_forms_qr_scenes"
down_revision = "20261205_campaign_disposals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "qr_scenes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("business_name", sa.String(length=100), nullable=True),
        sa.Column("business_address", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qr_scenes")),
        sa.UniqueConstraint("key", name=op.f("uq_qr_scenes_key")),
    )


def downgrade():
    op.drop_table("qr_scenes")
