"""publications: the kind is stored as an English code (warning, tip, case, sampling), shown as its Chinese label

`publications.kind` and `publication_preferences.kind` held the Chinese label (消费警示 …). Upgrade rewrites each
label to its code; downgrade rewrites each code back. The columns stay String(16). The mapping is written out here
(not imported from models) so this revision means the same thing after the model changes.

Revision ID: 20261205_publication_kind_codes
Revises: 20261205_campaign_qa_tally
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = "20261205_publication_kind_codes"
down_revision = "20261205_campaign_qa_tally"
branch_labels = None
depends_on = None

CODES = {"消费警示": "warning", "消费提示": "tip", "典型案例": "case", "抽检结果": "sampling"}
TABLES = ("publications", "publication_preferences")


def _rewrite(mapping: dict[str, str]) -> None:
    for table in TABLES:
        kind = sa.table(table, sa.column("kind", sa.String(16))).c.kind
        for old, new in mapping.items():
            op.execute(sa.update(kind.table).where(kind == old).values(kind=new))


def upgrade():
    _rewrite(CODES)


def downgrade():
    _rewrite({code: label for label, code in CODES.items()})
