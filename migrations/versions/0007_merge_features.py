"""Join the feature branches (faq; console then complaints; polls; publications) into one head.

The features were built side by side, each branching from 0001_core; from here on there is one line of history,
so `flask --app app db upgrade` (to "head") works.

Revision ID: 0007_merge_features
Revises: 0003_faq, 0004_complaints, 0005_polls, 0006_publications
Create Date: 2026-11-28
"""

revision = "0007_merge_features"
down_revision = ("0003_faq", "0004_complaints", "0005_polls", "0006_publications")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
