"""Builds over time (docs/statistics.md, build quality): the quality checks stored with each build, and every metrics
delivery kept as history (who sent it, when, and its per-image values), so that any delivery's
outcome set can be rebuilt and a shared link can pin the numbers it showed.

Metrics stored before this revision become one delivery per image source ("before delivery
history"), so the latest outcome set is unchanged and every image's value has a delivery.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BEFORE_HISTORY = "before delivery history"


def upgrade() -> None:
    op.create_table(
        "build_quality",
        sa.Column("build_id", sa.Integer, sa.ForeignKey("build.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("previous_build_id", sa.Integer, nullable=True),
        sa.Column("alarms", sa.Text, nullable=False),
        sa.Column("checks", sa.Text, nullable=False),
        sa.Column("checked_at", TS, nullable=False),
    )
    op.create_table(
        "metrics_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_source_id", sa.Integer,
                  sa.ForeignKey("image_source.id", ondelete="CASCADE"), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("who", sa.String(200), nullable=True),
    )
    op.create_index("ix_metrics_delivery_source", "metrics_delivery", ["image_source_id", "id"])
    op.create_table(
        "metrics_delivery_value",
        sa.Column("delivery_id", sa.Integer,
                  sa.ForeignKey("metrics_delivery.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("image_name", sa.Text, primary_key=True),
        sa.Column("image_source_id", sa.Integer, nullable=False),
        sa.Column("impressions", sa.BigInteger, nullable=True),
        sa.Column("clicks", sa.BigInteger, nullable=True),
        sa.Column("ctr", sa.Float(precision=53), nullable=True),
    )
    op.create_index("ix_metrics_value_image", "metrics_delivery_value",
                    ["image_source_id", "image_name", "delivery_id"])
    op.add_column("image_metric", sa.Column("delivery_id", sa.Integer, nullable=True))

    # Metrics stored before: one delivery per image source, holding every current value.
    conn = op.get_bind()
    sources = conn.execute(sa.text(
        "SELECT image_source_id, count(*), max(updated_at) FROM image_metric "
        "GROUP BY image_source_id ORDER BY image_source_id")).all()
    for source_id, rows, last in sources:
        conn.execute(sa.text(
            "INSERT INTO metrics_delivery (image_source_id, received_at, rows, who) "
            "VALUES (:s, :at, :n, :who)"),
            {"s": source_id, "at": last, "n": rows, "who": BEFORE_HISTORY})
        delivery = conn.execute(sa.text(
            "SELECT max(id) FROM metrics_delivery WHERE image_source_id = :s"),
            {"s": source_id}).scalar()
        conn.execute(sa.text(
            "INSERT INTO metrics_delivery_value (delivery_id, image_name, image_source_id, "
            "impressions, clicks, ctr) SELECT :d, image_name, image_source_id, impressions, "
            "clicks, ctr FROM image_metric WHERE image_source_id = :s"),
            {"d": delivery, "s": source_id})
        conn.execute(sa.text("UPDATE image_metric SET delivery_id = :d WHERE image_source_id = :s"),
                     {"d": delivery, "s": source_id})


def downgrade() -> None:
    with op.batch_alter_table("image_metric") as batch:
        batch.drop_column("delivery_id")
    op.drop_index("ix_metrics_value_image", "metrics_delivery_value")
    op.drop_table("metrics_delivery_value")
    op.drop_index("ix_metrics_delivery_source", "metrics_delivery")
    op.drop_table("metrics_delivery")
    op.drop_table("build_quality")
