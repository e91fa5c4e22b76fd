"""Each image source records a key of its current metrics (a new random value at every metrics
delivery), so a worker finds the memory-mapped index of a build under those metrics
(data/storage/build_files.py) without reading the metrics themselves.

Revision ID: 0009
Revises: 0003
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_source") as batch:
        batch.add_column(sa.Column("metrics_key", sa.String(32), nullable=True))
    conn = op.get_bind()
    with_metrics = conn.execute(sa.text(
        "SELECT DISTINCT image_source_id FROM image_metric")).scalars().all()
    for source_id in with_metrics:
        conn.execute(sa.text("UPDATE image_source SET metrics_key = :key WHERE id = :id"),
                     {"key": uuid.uuid4().hex, "id": source_id})


def downgrade() -> None:
    with op.batch_alter_table("image_source") as batch:
        batch.drop_column("metrics_key")
