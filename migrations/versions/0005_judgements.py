"""People's judgements (docs/statistics.md, "Human judgements"): ratings 1–10 and best-of-2 / best-of-4 votes, per image source,
with history (rows are only ever added).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _source_column() -> sa.Column:
    return sa.Column("image_source_id", sa.Integer,
                     sa.ForeignKey("image_source.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer, primary_key=True),
        _source_column(),
        sa.Column("image_name", sa.Text, nullable=False),
        sa.Column("rater", sa.String(200), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("sent_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_rating_source", "rating", ["image_source_id", "id"])
    op.create_index("ix_rating_rater", "rating", ["image_source_id", "rater", "image_name"])
    op.create_table(
        "preference_vote",
        sa.Column("id", sa.Integer, primary_key=True),
        _source_column(),
        sa.Column("winner", sa.Text, nullable=False),
        sa.Column("others", sa.Text, nullable=False),
        sa.Column("rater", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("sent_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_vote_source", "preference_vote", ["image_source_id", "id"])
    op.create_index("ix_vote_rater", "preference_vote", ["image_source_id", "rater", "id"])


def downgrade() -> None:
    op.drop_index("ix_vote_rater", "preference_vote")
    op.drop_index("ix_vote_source", "preference_vote")
    op.drop_table("preference_vote")
    op.drop_index("ix_rating_rater", "rating")
    op.drop_index("ix_rating_source", "rating")
    op.drop_table("rating")
