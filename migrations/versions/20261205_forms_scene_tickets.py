"""forms: a QR scene keeps the ticket of the permanent QR code made for it from the console

Revision ID: 20261205_forms_scene_tickets
Revises: 20261205_campaign_reports
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = "20261205_forms_scene_tickets"
down_revision = "20261205_campaign_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("qr_scenes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("qr_scenes", schema=None) as batch_op:
        batch_op.drop_column("ticket")
