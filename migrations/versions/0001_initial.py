"""Initial schema: businesses, image sources, builds as compact matrices, metrics, idempotency.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "business",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("is_demo", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "image_source",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("business_id", sa.Integer, sa.ForeignKey("business.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("url_template", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("business_id", "name", name="uq_image_source_name"),
    )
    op.create_table(
        "build",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_source_id", sa.Integer,
                  sa.ForeignKey("image_source.id", ondelete="CASCADE"), nullable=False),
        sa.Column("build_label", sa.String(200), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("n_images", sa.Integer, nullable=False),
        sa.Column("n_features", sa.Integer, nullable=False),
        sa.Column("n_values", sa.BigInteger, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False),
    )
    op.create_index("uq_build_current", "build", ["image_source_id"], unique=True,
                    sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))
    op.create_index("ix_build_source_hash", "build", ["image_source_id", "content_hash"])
    op.create_table(
        "build_part",
        sa.Column("build_id", sa.Integer, sa.ForeignKey("build.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "image_metric",
        sa.Column("image_source_id", sa.Integer,
                  sa.ForeignKey("image_source.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("image_name", sa.Text, primary_key=True),
        sa.Column("impressions", sa.BigInteger, nullable=True),
        sa.Column("clicks", sa.BigInteger, nullable=True),
        sa.Column("ctr", sa.Float(precision=53), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("route", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotency_record", "image_metric", "build_part", "build", "image_source",
                  "business"):
        op.drop_table(table)
