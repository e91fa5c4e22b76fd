"""Business-scoped ingest tokens (stored hashed) and the audit record of accepted writes.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ingest_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("business", sa.Text, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("token_name", sa.String(200), nullable=False),
        sa.Column("route", sa.String(100), nullable=False),
        sa.Column("business", sa.Text, nullable=False),
        sa.Column("image_source", sa.Text, nullable=False),
        sa.Column("build_id", sa.Integer, nullable=True),
        sa.Column("build_label", sa.String(200), nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_business", "audit_record", ["business", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_business", "audit_record")
    op.drop_table("audit_record")
    op.drop_table("ingest_token")
