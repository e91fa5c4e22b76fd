"""Label fixes (append-only, with who, when, the model's value and the build) and saved
per-feature thresholds (docs/statistics.md, label fixes and thresholds).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "label_fix",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_source_id", sa.Integer,
                  sa.ForeignKey("image_source.id", ondelete="CASCADE"), nullable=False),
        sa.Column("image_name", sa.Text, nullable=False),
        sa.Column("feature", sa.Text, nullable=False),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("model_value", sa.Float(precision=53), nullable=True),
        sa.Column("build_id", sa.Integer, sa.ForeignKey("build.id", ondelete="SET NULL"),
                  nullable=True),
    )
    op.create_index("ix_label_fix_source", "label_fix", ["image_source_id", "id"])
    op.create_index("ix_label_fix_pair", "label_fix", ["image_source_id", "image_name", "feature"])
    op.create_table(
        "saved_threshold",
        sa.Column("image_source_id", sa.Integer,
                  sa.ForeignKey("image_source.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("feature", sa.Text, primary_key=True),
        sa.Column("threshold", sa.Float(precision=53), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("saved_threshold")
    op.drop_index("ix_label_fix_pair", "label_fix")
    op.drop_index("ix_label_fix_source", "label_fix")
    op.drop_table("label_fix")
