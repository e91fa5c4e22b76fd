"""Build parts stored uncompressed on PostgreSQL (STORAGE EXTERNAL): the serialised matrix is
mostly float64 values, which lz4 shrinks by 5% while nearly doubling the time to write them;
reads skip decompression too (docs/ingest-formats.md, PostgreSQL). Parts already stored keep
their compression. SQLite has no such setting: nothing changes there.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE build_part ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE build_part ALTER COLUMN data SET STORAGE EXTENDED")
