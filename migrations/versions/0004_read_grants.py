"""Read grants: which person may read which business (READ_ACCESS=granted).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_grant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person", sa.String(100), nullable=False),
        sa.Column("business", sa.Text, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person", "business", name="uq_read_grant"),
    )


def downgrade() -> None:
    op.drop_table("read_grant")
