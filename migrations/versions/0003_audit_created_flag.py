"""The audit record keeps whether a write created something (1) or not (0), not an HTTP status:
the storage layer knows no HTTP; the API turns the flag back into 201 / 200.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE audit_record SET status = CASE WHEN status = 201 THEN 1 ELSE 0 END "
               "WHERE status NOT IN (0, 1)")


def downgrade() -> None:
    op.execute("UPDATE audit_record SET status = CASE WHEN status = 1 THEN 201 ELSE 200 END")
